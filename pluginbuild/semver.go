package pluginbuild

import "golang.org/x/mod/semver"

// compareSemver compares two module versions "vX.Y.Z[-pre][+build]" as
// semantic versions, as the go command does (golang.org/x/mod/semver): -1,
// 0 or +1. Prerelease identifiers compare numerically where numeric
// (rc.2 < rc.10); pseudo-versions are prereleases and so order by time;
// build metadata (+incompatible) is ignored; an invalid version compares
// below a valid one.
func compareSemver(a, b string) int { return semver.Compare(a, b) }

// isRelease reports whether v is a valid version without a prerelease
// part; pseudo-versions are not releases.
func isRelease(v string) bool { return semver.IsValid(v) && semver.Prerelease(v) == "" }
