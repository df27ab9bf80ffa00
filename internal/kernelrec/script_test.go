//go:build linux

package kernelrec

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestSpawnTargetDropsPrivilegesOnlyForOtherUids(t *testing.T) {
	asRoot := SpawnTarget("victim", 0, "/usr/bin/sleep")
	require.NotNil(t, asRoot.Spawn)
	assert.Equal(t, "/usr/bin/sleep", asRoot.Spawn.Path, "root runs the program directly")
	assert.Equal(t, []string{"sleep", "300"}, asRoot.Spawn.Argv)

	asUser := SpawnTarget("victim", 1000, "/usr/bin/sleep")
	require.NotNil(t, asUser.Spawn)
	assert.Empty(t, asUser.Spawn.Path, "a helper, so that its setresuid is recorded")
	assert.Equal(t, []Step{Setresuid(1000, 1000, 1000), Exec("/usr/bin/sleep", "sleep", "300")}, asUser.Spawn.Script)
}

func TestSpawnModifiersReturnCopies(t *testing.T) {
	base := SpawnHelper("contained", Send("k", unix.SIGTERM))
	nsd := base.InNewPidNS().Inheriting("k")
	grouped := SpawnTarget("m", 1000, "/usr/bin/sleep").InGroupOf("leader")

	assert.False(t, base.Spawn.NewPidNS, "the original is unchanged")
	assert.Empty(t, base.Spawn.Inherit)
	assert.True(t, nsd.Spawn.NewPidNS)
	assert.Equal(t, []string{"k"}, nsd.Spawn.Inherit)
	assert.True(t, grouped.Spawn.Setpgid)
	assert.Equal(t, "leader", grouped.Spawn.GroupOf)
	assert.Panics(t, func() { Send("k", unix.SIGTERM).InNewPidNS() })
}

func TestFillTargetsGivesHelpersThePidsTheirParentKnows(t *testing.T) {
	e := &executor{children: map[string]*child{"victim": {pid: 4242}}}
	script := []Step{
		OpenPid("v", "victim"),
		OpenPid("o", "own-child"),
		SpawnHelper("inner", OpenPid("v2", "victim")),
	}

	filled := e.fillTargets(script)

	require.NotNil(t, filled[0].Pid)
	assert.Equal(t, int32(4242), *filled[0].Pid)
	assert.Empty(t, filled[0].Target)
	assert.Nil(t, filled[1].Pid, "a process the helper starts itself")
	assert.Equal(t, "own-child", filled[1].Target)
	require.NotNil(t, filled[2].Spawn.Script[0].Pid, "nested helpers too")
	assert.Equal(t, int32(4242), *filled[2].Spawn.Script[0].Pid)
	assert.Nil(t, script[0].Pid, "the script itself is unchanged")
	assert.Nil(t, script[2].Spawn.Script[0].Pid)
}
