package backend

import (
	"fmt"
	"os"
	"reflect"
	"runtime"
	"strconv"
	"strings"

	"github.com/gomlx/compute"
	"github.com/gomlx/compute/gobackend"
	"github.com/gomlx/go-xla/compute/xla"
)

// EnvVar is GoMLX's own variable; tfvision honours it below --backend and the config key.
const EnvVar = compute.ConfigEnvVar

// GoDefault configures the pure-Go backend. Its default configuration deadlocked on 2-core
// machines with compute v0.1.6 (nested waits in erf/GELU, conv and reduce-window ops); on
// v0.1.14 it no longer hangs but ran tokenformer-ti16 inference at half the speed (9.6 vs
// 18.5 img/s, `bench model --backend go:` vs `go:parallelism=-1`).
const GoDefault = "go:parallelism=-1"

func init() {
	// Plugins are never downloaded behind the user's back (and the download would fail on
	// closed networks); `backend: xla:cuda` with auto_install opt-in is the explicit path.
	xla.EnableAutoInstall(false)
}

// Options refine Open.
type Options struct {
	// AutoInstall lets the XLA backend download a missing PJRT plugin (off by default).
	AutoInstall bool
}

// Resolve turns a requested spec ("" or "auto" = choose) into the spec Open will use,
// consulting $GOMLX_BACKEND when spec is empty.
func Resolve(spec string) string {
	if spec == "" {
		spec = os.Getenv(EnvVar)
	}
	spec = strings.TrimSpace(spec)
	switch spec {
	case "", "auto":
		if plugins := xla.GetAvailablePlugins(); len(plugins) > 0 {
			return "xla:" + plugins[0]
		}
		return GoDefault
	case "go":
		return GoDefault
	}
	return spec
}

// Open opens the backend for spec (see Resolve). Specs: "go[:options]", "xla:cuda",
// "xla:cpu", "xla:/abs/path/pjrt_plugin.so[,option=value…]" (options: memory_fraction,
// preallocate, allocator, visible_devices).
func Open(spec string, opts Options) (b compute.Backend, err error) {
	resolved := Resolve(spec)
	if opts.AutoInstall {
		xla.EnableAutoInstall(true)
		defer xla.EnableAutoInstall(false)
	}
	name, _, _ := strings.Cut(resolved, ":")
	if name == "go" {
		return openGo(resolved)
	}
	defer func() {
		// compute.NewWithConfig panics on unknown backend names.
		if r := recover(); r != nil {
			b, err = nil, fmt.Errorf("open backend %q: %v", resolved, r)
		}
	}()
	b, err = compute.NewWithConfig(resolved)
	if err != nil {
		hint := "install a PJRT plugin (e.g. the CUDA one from a jax-cuda wheel) and pass its absolute path as xla:/path/pjrt_c_api_gpu_plugin.so, or use --backend go"
		return nil, fmt.Errorf("open backend %q (requested %q; available plugins: %v): %w\n  hint: %s",
			resolved, spec, xla.GetAvailablePlugins(), err, hint)
	}
	return b, nil
}

// openGo opens the pure-Go backend for spec ("go[:options]") without the "Go backend:
// parallelism set to N" line gobackend.New prints to stdout for its parallelism option, so
// stdout keeps only results (`--json`, predictions).
//
// compute v0.1.14 has no public way to set the parallelism quietly: the option is the only
// setter in the config string, the *Backend type and its workers pool live in internal
// packages, and no method or other knob reaches the pool. Swapping os.Stdout around the
// call (the previous approach) silenced it but raced with every other goroutine writing
// to stdout. So the parallelism option is taken out of the config and applied afterwards
// through the backend's exported Workers field and its SetMaxParallelism method, by
// reflection (before any computation runs, as the method requires). Should a compute
// upgrade rename them, the option goes back into the config (correct, one extra line on
// stdout) and TestOpenGoIsQuiet fails, pointing here.
func openGo(spec string) (compute.Backend, error) {
	config := strings.TrimPrefix(strings.TrimPrefix(spec, "go"), ":")
	var rest []string
	parallelism, setParallelism := 0, false
	for part := range strings.SplitSeq(config, ",") {
		key, value, _ := strings.Cut(part, "=")
		if key != "parallelism" {
			rest = append(rest, part)
			continue
		}
		n, err := strconv.Atoi(value)
		if err != nil {
			return nil, fmt.Errorf("open backend %q: parallelism needs an int, got %q", spec, value)
		}
		parallelism, setParallelism = n, true
	}
	b, err := gobackend.New(strings.Join(rest, ","))
	if err == nil && setParallelism && !setGoParallelism(b, parallelism) {
		b.Finalize()
		b, err = gobackend.New(config)
	}
	if err != nil {
		return nil, fmt.Errorf("open backend %q: %w", spec, err)
	}
	return b, nil
}

// setGoParallelism calls b.Workers.SetMaxParallelism(n) on a gobackend backend, reporting
// whether b had that shape.
func setGoParallelism(b compute.Backend, n int) bool {
	v := reflect.ValueOf(b)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	w := v.Elem().FieldByName("Workers")
	if !w.IsValid() || w.Kind() != reflect.Pointer || w.IsNil() {
		return false
	}
	set := w.MethodByName("SetMaxParallelism")
	if !set.IsValid() || set.Type().NumIn() != 1 || set.Type().In(0).Kind() != reflect.Int || set.Type().NumOut() != 0 {
		return false
	}
	set.Call([]reflect.Value{reflect.ValueOf(n)})
	return true
}

// Describe is the one-line summary printed at start: backend, devices and host.
func Describe(b compute.Backend) string {
	n := b.NumDevices()
	return fmt.Sprintf("backend %s (%s), %d device(s), host %d CPU cores", b.Name(), b.Description(), n, runtime.NumCPU())
}

// SlowBF16 reports whether b runs bfloat16 slower than float32: on the pure-Go backend (compute
// v0.1.14) bf16 costs 1.3× the CPU time of f32 in training and 1.9× in inference
// (tokenformer-ti16 at 64 px, batch 8, `tfvision bench model --precision bf16|f32`, images per
// CPU-second: 16.3–16.8 vs 20.9–21.5 and 48.5–49.5 vs 81.9–106.4). v0.1.6 had no bf16 kernels
// at all (17× and 31×). Mixed precision is for GPUs.
func SlowBF16(b compute.Backend) bool { return b.String() == "go" }

// BF16Warning is the line to print when a bf16 run meets a SlowBF16 backend ("" otherwise).
func BF16Warning(b compute.Backend, precision string) string {
	if precision != "bf16" || !SlowBF16(b) {
		return ""
	}
	return "warning: precision bf16 on the pure-Go backend is 1.3-1.9x slower than f32 (no speed-up from bf16 on CPU); on CPU use --set precision=f32"
}
