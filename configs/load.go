package configs

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"

	"github.com/tfvision/tfvision/vision"
)

//go:embed *.yaml
var embedded embed.FS

// EnvPrefix starts every environment override: TFVISION_OPTIM_LR sets optim.lr.
const EnvPrefix = "TFVISION_"

// ProcessEnv are the TFVISION_* environment variables that are not config keys but
// process settings read elsewhere; Load skips them instead of calling them unknown keys.
var ProcessEnv = []string{
	"TFVISION_JPEG",     // JPEG decoder: std forces image/jpeg (decode.JPEGEnv)
	"TFVISION_JPEG_DIR", // benchmark photos (imagenet tests)
}

// Source lists the layers of a config, lowest precedence first: File, then Env, then
// Flags (named command-line flags mapped to keys) and Sets ("key=value", applied last).
type Source struct {
	// File is a path to a YAML file, or the name of an embedded config ("demo", "vit-b").
	// Empty means the built-in defaults alone.
	File string
	// YAML, when set, is the file's content (File then only names it in errors).
	YAML  []byte
	Env   []string // usually os.Environ(); only TFVISION_* entries are read
	Flags map[string]string
	Sets  []string
}

// Names lists the embedded configs.
func Names() []string {
	entries, _ := embedded.ReadDir(".")
	var names []string
	for _, e := range entries {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	return names
}

// ReadFile returns the YAML of a path or of an embedded config name.
func ReadFile(name string) ([]byte, string, error) {
	if data, err := os.ReadFile(name); err == nil {
		return data, name, nil
	} else if !os.IsNotExist(err) {
		return nil, name, fmt.Errorf("read config %s: %w", name, err)
	}
	base := strings.TrimSuffix(filepath.Base(name), ".yaml")
	if data, err := embedded.ReadFile(base + ".yaml"); err == nil && (name == base || name == base+".yaml" || filepath.Dir(name) == "configs") {
		return data, "embedded:" + base + ".yaml", nil
	}
	return nil, name, fmt.Errorf("config %q: no such file, and not an embedded config (embedded: %s)", name, strings.Join(Names(), ", "))
}

// Load resolves a Config from its layers and validates it.
func Load(src Source) (Config, error) {
	known := KnownKeys()
	v := viper.New()
	v.SetConfigType("yaml")
	if src.File != "" || src.YAML != nil {
		data, where := src.YAML, src.File
		if data == nil {
			var err error
			if data, where, err = ReadFile(src.File); err != nil {
				return Config{}, err
			}
		}
		var raw map[string]any
		if err := yaml.Unmarshal(data, &raw); err != nil {
			return Config{}, fmt.Errorf("parse config %s: %w", where, err)
		}
		for _, k := range flattenKeys("", raw) {
			if !slices.Contains(known, k) {
				return Config{}, fmt.Errorf("config %s: unknown key %q%s", where, k, suggest(k, known))
			}
		}
		if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
			return Config{}, fmt.Errorf("parse config %s: %w", where, err)
		}
	}
	envKeys := map[string]string{}
	for _, k := range known {
		envKeys[EnvName(k)] = k
	}
	for _, kv := range src.Env {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix) || slices.Contains(ProcessEnv, name) {
			continue
		}
		k, ok := envKeys[name]
		if !ok {
			return Config{}, fmt.Errorf("environment variable %s does not name a config key (e.g. %s for optim.lr)", name, EnvName("optim.lr"))
		}
		v.Set(k, value)
	}
	flagKeys := make([]string, 0, len(src.Flags))
	for k := range src.Flags {
		flagKeys = append(flagKeys, k)
	}
	sort.Strings(flagKeys)
	for _, k := range flagKeys {
		if !slices.Contains(known, k) {
			return Config{}, fmt.Errorf("flag maps to unknown config key %q", k)
		}
		v.Set(k, src.Flags[k])
	}
	for _, kv := range src.Sets {
		k, value, ok := strings.Cut(kv, "=")
		k = strings.TrimSpace(k)
		if !ok {
			return Config{}, fmt.Errorf("--set %q: expected key=value, e.g. --set optim.lr=0.001", kv)
		}
		if !slices.Contains(known, k) {
			return Config{}, fmt.Errorf("--set %s: unknown key %q%s", kv, k, suggest(k, known))
		}
		v.Set(k, strings.TrimSpace(value))
	}

	cfg := Default()
	if v.IsSet("model.preset") {
		cfg.Model.Preset = v.GetString("model.preset")
	}
	cfg.Model.Config = vision.Config{}
	if cfg.Model.Preset != "" {
		pc, err := vision.Preset(cfg.Model.Preset)
		if err != nil {
			return Config{}, fmt.Errorf("model.preset: %w", err)
		}
		cfg.Model.Config = pc
	}
	err := v.Unmarshal(&cfg, func(dc *mapstructure.DecoderConfig) {
		dc.WeaklyTypedInput = true
		dc.ErrorUnused = true
		// Lists replace, never merge element-wise with the defaults.
		dc.ZeroFields = true
	})
	if err != nil {
		return Config{}, fmt.Errorf("config value: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// EnvName is the environment variable that overrides key.
func EnvName(key string) string {
	return EnvPrefix + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// KnownKeys lists every leaf key ("optim.lr", "model.dim", …) in struct order.
func KnownKeys() []string {
	var keys []string
	var walk func(prefix string, t reflect.Type)
	walk = func(prefix string, t reflect.Type) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag, opts, _ := strings.Cut(f.Tag.Get("mapstructure"), ",")
			if opts == "squash" {
				walk(prefix, f.Type)
				continue
			}
			key := prefix + tag
			if f.Type.Kind() == reflect.Struct {
				walk(key+".", f.Type)
				continue
			}
			keys = append(keys, key)
		}
	}
	walk("", reflect.TypeOf(Config{}))
	return keys
}

func flattenKeys(prefix string, m map[string]any) []string {
	var out []string
	for k, val := range m {
		key := prefix + strings.ToLower(k)
		if sub, ok := val.(map[string]any); ok {
			out = append(out, flattenKeys(key+".", sub)...)
			continue
		}
		out = append(out, key)
	}
	sort.Strings(out)
	return out
}

// suggest names the closest known keys, or lists a section's keys.
func suggest(k string, known []string) string {
	best, bestD := "", 1<<30
	for _, c := range known {
		if d := editDistance(k, c); d < bestD {
			best, bestD = c, d
		}
	}
	if bestD <= 3 {
		return fmt.Sprintf(" (did you mean %q?)", best)
	}
	section, _, _ := strings.Cut(k, ".")
	var same []string
	for _, c := range known {
		if strings.HasPrefix(c, section+".") {
			same = append(same, c)
		}
	}
	if len(same) > 0 {
		return fmt.Sprintf(" (keys of %s: %s)", section, strings.Join(same, ", "))
	}
	return fmt.Sprintf(" (top-level sections: backend, precision, seed, out, model, data, augment, optim, checkpoint, eval, log)")
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// Marshal renders cfg as YAML (what is saved in run directories).
func Marshal(cfg Config) ([]byte, error) { return yaml.Marshal(cfg) }

// LoadRun rebuilds the config saved in a run directory (its config.yaml).
func LoadRun(dir string) (Config, error) {
	path := filepath.Join(dir, "config.yaml")
	if _, err := os.Stat(path); err != nil {
		return Config{}, fmt.Errorf("%s is not a tfvision run directory (no config.yaml): %w", dir, err)
	}
	return Load(Source{File: path})
}

// LoadYAML resolves a config from YAML text (e.g. the copy stored in a checkpoint); where
// names the text in errors.
func LoadYAML(data []byte, where string) (Config, error) {
	return Load(Source{YAML: data, File: where})
}
