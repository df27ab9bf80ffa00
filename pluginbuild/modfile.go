package pluginbuild

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
)

// modfile is the alternate go.mod (and go.sum beside it) the build uses.
type modfile struct {
	root string // module root, holding go.mod and go.sum
	path string // the alternate go.mod
}

func (m modfile) sumPath() string { return strings.TrimSuffix(m.path, ".mod") + ".sum" }

// write copies the project's go.mod and go.sum and applies pins with
// `go mod edit`.
func (m modfile) write(ctx context.Context, r *runner, pins []Pin) error {
	if err := copyFile(filepath.Join(m.root, "go.mod"), m.path); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(m.root, "go.sum"), m.sumPath()); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(pins) == 0 {
		return nil
	}
	args := []string{"mod", "edit", "-modfile=" + m.path}
	for _, p := range pins {
		args = append(args, p.editFlags()...)
	}
	_, err := r.output(ctx, args...)
	return err
}

func copyFile(from, to string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	return os.WriteFile(to, b, 0o644)
}

// sums reads the alternate go.sum: "path version" -> "h1:...".
func (m modfile) sums() (map[string]string, error) {
	f, err := os.Open(m.sumPath())
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := make(map[string]string)
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) == 3 && !strings.HasSuffix(fields[1], "/go.mod") {
			out[fields[0]+" "+fields[1]] = fields[2]
		}
	}
	return out, sc.Err()
}
