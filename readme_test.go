package netloop_test

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestReadmeSnippet builds the program of the README's "A handler"
// section, as a newcomer would paste it into a fresh module, and runs it
// on a port that is taken: it must fail loudly, not exit 0 in silence.
func TestReadmeSnippet(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a program; skipped with -short")
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## A handler\n.*?```go\n(.*?)```").FindSubmatch(readme)
	if m == nil {
		t.Fatal(`README.md has no Go block under "## A handler"`)
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	gomod := "module snippet\n\ngo 1.26\n\nrequire github.com/netloop/netloop v0.0.0\n\nreplace github.com/netloop/netloop => " + root + "\n"
	for name, data := range map[string][]byte{"main.go": m[1], "go.mod": []byte(gomod), "go.sum": sum} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "build", "-mod=mod", "-o", "snippet", ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the README's program does not build: %v\n%s", err, out)
	}

	// The snippet listens on 127.0.0.1:9000. Hold it (if something else
	// already does, it is taken all the same).
	const addr = "127.0.0.1:9000"
	if ln, err := net.Listen("tcp", addr); err == nil {
		defer ln.Close()
	}
	run := exec.CommandContext(ctx, filepath.Join(dir, "snippet"))
	out, err := run.CombinedOutput()
	if err == nil {
		t.Fatalf("the README's program exited 0 on a taken port; output:\n%s", out)
	}
	if want := "listen tcp " + addr + ": bind: address already in use"; !strings.Contains(string(out), want) {
		t.Errorf("the README's program failed without saying why (want %q):\n%s", want, out)
	}
}
