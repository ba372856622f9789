package e2e

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/heraldhq/herald/internal/servelog"
)

// heraldBin is the herald binary TestMain builds from the parent module.
var heraldBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "herald-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, "remove the e2e build folder:", err)
		}
	}()
	heraldBin = filepath.Join(dir, "herald")
	build := exec.Command("go", "build", "-o", heraldBin, "./cmd/herald")
	build.Dir = ".."
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build herald: %v\n%s", err, out)
		return 1
	}
	return m.Run()
}

// herald is a running `herald serve` child process.
type herald struct {
	t    testing.TB
	cmd  *exec.Cmd
	url  string
	log  *servelog.Log
	done chan struct{} // closed when the stderr reader has finished
	once sync.Once
}

// startHerald runs `herald serve` on a free loopback port over db, with extra
// arguments, waits until /readyz answers 200, and stops it when the test ends.
func startHerald(t testing.TB, db string, extra ...string) *herald {
	t.Helper()
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--db", db}, extra...)
	cmd := exec.Command(heraldBin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &herald{t: t, cmd: cmd, log: servelog.New(0), done: make(chan struct{})}
	go func() {
		defer close(h.done)
		// The pipe closes when the process exits; a read error then adds nothing.
		_, _ = h.log.ReadFrom(stderr)
	}()
	t.Cleanup(h.stop)
	addr, ok := <-h.log.Addr()
	if !ok {
		// The process failed before listening; its logs say why.
		_ = cmd.Wait()
		t.Fatalf("herald serve exited before listening:\n%s", h.logText())
	}
	h.url = "http://" + addr
	for {
		resp, err := http.Get(h.url + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return h
			}
		}
		if cmd.ProcessState != nil {
			t.Fatalf("herald serve stopped before ready:\n%s", h.logText())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// URL is the server's base URL, such as http://127.0.0.1:41234.
func (h *herald) URL() string { return h.url }

func (h *herald) logText() string { return h.log.String() }

// stop ends the server as an operator would (SIGTERM, a graceful shutdown) and
// fails the test if it does not exit cleanly. Calling it again does nothing.
func (h *herald) stop() {
	h.once.Do(func() {
		if err := h.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			h.t.Errorf("signal herald: %v", err)
		}
		<-h.done
		if err := h.cmd.Wait(); err != nil {
			h.t.Errorf("herald serve exited with %v:\n%s", err, h.logText())
		}
	})
}
