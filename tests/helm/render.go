// Command render renders a Helm chart the way `helm template` does, for machines without helm:
// Go text/template with the Sprig library plus Helm's own functions (include, tpl, required,
// toYaml, fromYaml, toJson, fromJson, lookup, …) and built-in objects (.Values, .Release, .Chart,
// .Capabilities, .Template, .Files). Values are the chart's values.yaml deep-merged with each -f
// file (a null in a later file deletes the key, as in Helm), converted to JSON types (numbers are
// float64, as Helm's are) and validated against values.schema.json when the chart has one.
//
// Output: a multi-document YAML stream with "# Source:" comments (default), or with -output json
// one JSON object {"manifests":[{"source":…,"object":…}],"notes":…} for tests to assert on.
//
// Build offline in GOPATH mode:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off go run render.go -chart ../../helm/inference
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"text/template"
	"unicode/utf8"

	"github.com/Masterminds/sprig"
	"gopkg.in/yaml.v3"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var opts options
	var valueFiles, apiVersions stringList
	flag.StringVar(&opts.chartDir, "chart", "", "chart directory (required)")
	flag.Var(&valueFiles, "f", "values file merged over values.yaml (repeatable, later wins)")
	flag.StringVar(&opts.releaseName, "name", "inference", "release name")
	flag.StringVar(&opts.namespace, "namespace", "default", "release namespace")
	flag.StringVar(&opts.kubeVersion, "kube-version", "v1.31.0", "Kubernetes version for .Capabilities")
	flag.Var(&apiVersions, "api-versions", "extra API versions for .Capabilities.APIVersions (repeatable)")
	flag.StringVar(&opts.output, "output", "yaml", "yaml or json")
	flag.BoolVar(&opts.notes, "notes", false, "yaml output: print the rendered NOTES.txt after the manifests")
	flag.BoolVar(&opts.upgrade, "upgrade", false, "render as an upgrade (.Release.IsUpgrade, Revision 2)")
	yamlToJSON := flag.Bool("yaml-to-json", false, "convert a YAML stream on stdin to a JSON array of its documents, then exit")
	flag.Parse()
	if *yamlToJSON {
		out, err := convertYAMLStream(os.Stdin)
		if err != nil {
			fmt.Fprintln(os.Stderr, "Error:", err)
			os.Exit(1)
		}
		os.Stdout.Write(out)
		return
	}
	opts.valueFiles = valueFiles
	opts.apiVersions = apiVersions
	if opts.chartDir == "" {
		fmt.Fprintln(os.Stderr, "render: -chart is required")
		os.Exit(2)
	}
	out, err := run(opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
	os.Stdout.Write(out)
}

type options struct {
	chartDir, releaseName, namespace, kubeVersion, output string
	valueFiles, apiVersions                               []string
	notes, upgrade                                        bool
}

// ChartMeta mirrors the fields of Helm's chart.Metadata that templates read.
type ChartMeta struct {
	APIVersion  string `yaml:"apiVersion"`
	Name        string `yaml:"name"`
	Version     string `yaml:"version"`
	AppVersion  string `yaml:"appVersion"`
	KubeVersion string `yaml:"kubeVersion"`
	Description string `yaml:"description"`
	Type        string `yaml:"type"`
	Home        string `yaml:"home"`
	Keywords    []string
	Annotations map[string]string `yaml:"annotations"`
}

// KubeVersion mirrors .Capabilities.KubeVersion.
type KubeVersion struct{ Version, Major, Minor, GitVersion string }

func (k KubeVersion) String() string { return k.Version }

// VersionSet mirrors .Capabilities.APIVersions.
type VersionSet []string

// Has reports whether an API version ("apps/v1") or resource ("apps/v1/Deployment") is known.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// Capabilities mirrors Helm's .Capabilities.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
}

// Files mirrors Helm's .Files: the chart's non-template files by path.
type Files map[string][]byte

// Get returns a file's content as a string ("" when absent, as in Helm).
func (f Files) Get(name string) string { return string(f[name]) }

// GetBytes returns a file's content.
func (f Files) GetBytes(name string) []byte { return f[name] }

// Glob returns the files whose path matches a path.Match pattern ("**" matches across folders).
func (f Files) Glob(pattern string) Files {
	re := globRegexp(pattern)
	out := Files{}
	for name, data := range f {
		if re.MatchString(name) {
			out[name] = data
		}
	}
	return out
}

// Lines splits a file into lines.
func (f Files) Lines(name string) []string {
	s := string(f[name])
	if s == "" {
		return []string{}
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func globRegexp(pattern string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^")
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		switch {
		case c == '*' && i+1 < len(pattern) && pattern[i+1] == '*':
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

var chartSpecialFiles = map[string]bool{"Chart.yaml": true, "Chart.lock": true, "values.yaml": true, "values.schema.json": true}

func run(opts options) ([]byte, error) {
	chartDir := opts.chartDir
	meta, err := loadChart(chartDir)
	if err != nil {
		return nil, err
	}
	values, err := loadValues(filepath.Join(chartDir, "values.yaml"), opts.valueFiles)
	if err != nil {
		return nil, err
	}
	if err := validateAgainstSchema(chartDir, values); err != nil {
		return nil, err
	}
	files, templates, err := loadFiles(chartDir, meta.Name)
	if err != nil {
		return nil, err
	}

	kv := opts.kubeVersion
	parts := strings.SplitN(strings.TrimPrefix(kv, "v"), ".", 3)
	if len(parts) < 2 {
		return nil, fmt.Errorf("-kube-version %q: want vMAJOR.MINOR.PATCH", kv)
	}
	revision := 1
	if opts.upgrade {
		revision = 2
	}
	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": opts.releaseName, "Namespace": opts.namespace, "Service": "Helm",
			"IsInstall": !opts.upgrade, "IsUpgrade": opts.upgrade, "Revision": revision,
		},
		"Chart": meta,
		"Capabilities": Capabilities{
			KubeVersion: KubeVersion{Version: kv, Major: parts[0], Minor: parts[1], GitVersion: kv},
			APIVersions: append(defaultAPIVersions(), opts.apiVersions...),
		},
		"Files":     files,
		"Subcharts": map[string]interface{}{},
	}

	rendered, err := renderTemplates(templates, top, meta.Name)
	if err != nil {
		return nil, err
	}
	return formatOutput(rendered, values, opts)
}

func defaultAPIVersions() VersionSet {
	return VersionSet{"v1", "apps/v1", "batch/v1", "autoscaling/v1", "autoscaling/v2", "policy/v1",
		"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1", "storage.k8s.io/v1",
		"coordination.k8s.io/v1", "discovery.k8s.io/v1", "apiextensions.k8s.io/v1"}
}

func loadChart(dir string) (*ChartMeta, error) {
	data, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	var meta ChartMeta
	if err := yaml.Unmarshal(data, &meta); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %w", err)
	}
	if meta.APIVersion != "v2" {
		return nil, fmt.Errorf("Chart.yaml: apiVersion %q, want v2", meta.APIVersion)
	}
	if meta.Name == "" || meta.Version == "" {
		return nil, errors.New("Chart.yaml: name and version are required")
	}
	return &meta, nil
}

// loadValues reads values.yaml and merges each override over it, Helm style.
func loadValues(base string, overrides []string) (map[string]interface{}, error) {
	values, err := readYAMLMap(base)
	if err != nil {
		return nil, err
	}
	for _, f := range overrides {
		o, err := readYAMLMap(f)
		if err != nil {
			return nil, err
		}
		mergeValues(values, o)
	}
	return values, nil
}

func readYAMLMap(file string) (map[string]interface{}, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	v, err := toJSONTypes(raw)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	m, ok := v.(map[string]interface{})
	if !ok {
		return nil, fmt.Errorf("%s: top level is not a mapping", file)
	}
	return m, nil
}

// toJSONTypes converts a decoded YAML value to what Helm templates see: Helm turns YAML into JSON
// before decoding, so map keys are strings and every number is a float64.
func toJSONTypes(v interface{}) (interface{}, error) {
	normalized := normalizeKeys(v)
	data, err := json.Marshal(normalized)
	if err != nil {
		return nil, err
	}
	var out interface{}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func normalizeKeys(v interface{}) interface{} {
	switch t := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, x := range t {
			out[k] = normalizeKeys(x)
		}
		return out
	case map[interface{}]interface{}:
		out := make(map[string]interface{}, len(t))
		for k, x := range t {
			out[fmt.Sprint(k)] = normalizeKeys(x)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(t))
		for i, x := range t {
			out[i] = normalizeKeys(x)
		}
		return out
	default:
		return v
	}
}

// mergeValues merges src into dst: maps recursively, anything else replaced, null deletes.
func mergeValues(dst, src map[string]interface{}) {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			mergeValues(dm, sm)
			continue
		}
		dst[k] = sv
	}
}

type templateFile struct {
	name string // "<chart>/templates/x.yaml"
	text string
}

func loadFiles(chartDir, chartName string) (Files, []templateFile, error) {
	files := Files{}
	var templates []templateFile
	err := filepath.Walk(chartDir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if info.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(chartDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case strings.HasPrefix(rel, "templates/"):
			templates = append(templates, templateFile{name: chartName + "/" + rel, text: string(data)})
		case strings.HasPrefix(rel, "charts/") || chartSpecialFiles[rel]:
		default:
			files[rel] = data
		}
		return nil
	})
	sort.Slice(templates, func(i, j int) bool { return templates[i].name < templates[j].name })
	return files, templates, err
}

const maxIncludeDepth = 1000

// funcMap is Sprig plus Helm's own functions, as Helm's engine builds it.
func funcMap(root *template.Template) template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env") // Helm removes these: a chart must not depend on the machine it renders on.
	delete(f, "expandenv")
	depth := 0
	extra := template.FuncMap{
		"toYaml":        toYAML,
		"mustToYaml":    func(v interface{}) (string, error) { return toYAMLStrict(v) },
		"fromYaml":      fromYAML,
		"fromYamlArray": fromYAMLArray,
		"toJson":        toJSON,
		"mustToJson":    func(v interface{}) (string, error) { b, err := json.Marshal(v); return string(b), err },
		"fromJson":      fromJSON,
		"fromJsonArray": fromJSONArray,
		"toToml":        func(interface{}) string { return "" },
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil {
				return v, errors.New(msg)
			}
			if s, ok := v.(string); ok && s == "" {
				return v, errors.New(msg)
			}
			return v, nil
		},
		"lookup": func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil // no cluster: like `helm template`
		},
		"include": func(name string, data interface{}) (string, error) {
			if depth > maxIncludeDepth {
				return "", fmt.Errorf("include %q: rendering nested too deeply", name)
			}
			depth++
			defer func() { depth-- }()
			var buf bytes.Buffer
			if err := root.ExecuteTemplate(&buf, name, data); err != nil {
				return "", err
			}
			return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
		},
		"tpl": func(text string, data interface{}) (string, error) {
			t, err := root.Clone()
			if err != nil {
				return "", err
			}
			t, err = t.New("tpl").Parse(text)
			if err != nil {
				return "", fmt.Errorf("tpl: %w", err)
			}
			var buf bytes.Buffer
			if err := t.Execute(&buf, data); err != nil {
				return "", fmt.Errorf("tpl: %w", err)
			}
			return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func toYAMLStrict(v interface{}) (string, error) {
	data, err := json.Marshal(v) // via JSON, as Helm (sigs.k8s.io/yaml) does: sorted keys, JSON types
	if err != nil {
		return "", err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(data, &node); err != nil {
		return "", err
	}
	plainStyle(&node)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return "", err
	}
	if err := enc.Close(); err != nil {
		return "", err
	}
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func toYAML(v interface{}) string {
	s, err := toYAMLStrict(v)
	if err != nil {
		return "" // Helm's toYaml swallows errors
	}
	return s
}

// plainStyle drops the JSON flow/quote styles so the encoder writes block YAML and quotes only
// where a plain scalar would change type.
func plainStyle(n *yaml.Node) {
	n.Style = 0
	for _, c := range n.Content {
		plainStyle(c)
	}
}

func fromYAML(s string) map[string]interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	v, err := toJSONTypes(raw)
	if err != nil {
		return map[string]interface{}{"Error": err.Error()}
	}
	switch m := v.(type) {
	case nil:
		return map[string]interface{}{}
	case map[string]interface{}:
		return m
	default:
		// Helm decodes into a map: a list or a scalar is an error, reported the same way.
		return map[string]interface{}{"Error": fmt.Sprintf("cannot unmarshal %s into a map", jsonType(v))}
	}
}

func fromYAMLArray(s string) []interface{} {
	var raw interface{}
	if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
		return []interface{}{err.Error()}
	}
	v, err := toJSONTypes(raw)
	if err != nil {
		return []interface{}{err.Error()}
	}
	switch a := v.(type) {
	case nil:
		return []interface{}{}
	case []interface{}:
		return a
	default:
		return []interface{}{fmt.Sprintf("cannot unmarshal %s into an array", jsonType(v))}
	}
}

func toJSON(v interface{}) string {
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return string(b)
}

func fromJSON(s string) map[string]interface{} {
	m := map[string]interface{}{}
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		m["Error"] = err.Error()
	}
	return m
}

func fromJSONArray(s string) []interface{} {
	var a []interface{}
	if err := json.Unmarshal([]byte(s), &a); err != nil {
		return []interface{}{err.Error()}
	}
	return a
}

type renderedFile struct {
	name string
	text string
}

func renderTemplates(files []templateFile, top map[string]interface{}, chartName string) ([]renderedFile, error) {
	root := template.New("gotpl")
	// Helm: missing map keys render as empty, not "<no value>" (replaced after execution).
	root.Option("missingkey=zero")
	root.Funcs(funcMap(root))
	for _, f := range files {
		if _, err := root.New(f.name).Parse(f.text); err != nil {
			return nil, fmt.Errorf("parse error in %s", strings.TrimPrefix(err.Error(), "template: "))
		}
	}
	var out []renderedFile
	basePath := chartName + "/templates"
	for _, f := range files {
		base := path.Base(f.name)
		if strings.HasPrefix(base, "_") {
			continue // partials define named templates only
		}
		data := make(map[string]interface{}, len(top)+1)
		for k, v := range top {
			data[k] = v
		}
		data["Template"] = map[string]interface{}{"Name": f.name, "BasePath": basePath}
		var buf bytes.Buffer
		if err := root.ExecuteTemplate(&buf, f.name, data); err != nil {
			return nil, fmt.Errorf("execution error in %s", strings.TrimPrefix(err.Error(), "template: "))
		}
		out = append(out, renderedFile{name: f.name, text: strings.ReplaceAll(buf.String(), "<no value>", "")})
	}
	return out, nil
}

var docSeparator = regexp.MustCompile(`(?m)^---[ \t]*$`)

type manifest struct {
	Source string      `json:"source"`
	Object interface{} `json:"object"`
	text   string
}

func formatOutput(rendered []renderedFile, values map[string]interface{}, opts options) ([]byte, error) {
	var manifests []manifest
	notes := ""
	for _, r := range rendered {
		if path.Base(r.name) == "NOTES.txt" {
			notes = r.text
			continue
		}
		if path.Ext(r.name) != ".yaml" && path.Ext(r.name) != ".yml" {
			continue
		}
		for _, doc := range docSeparator.Split(r.text, -1) {
			if strings.TrimSpace(doc) == "" {
				continue
			}
			var raw interface{}
			if err := yaml.Unmarshal([]byte(doc), &raw); err != nil {
				return nil, fmt.Errorf("YAML parse error on %s: %w\n%s", r.name, err, numbered(doc))
			}
			if raw == nil {
				continue // comments only
			}
			obj, err := toJSONTypes(raw)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", r.name, err)
			}
			m, ok := obj.(map[string]interface{})
			if !ok || m["apiVersion"] == nil || m["kind"] == nil {
				return nil, fmt.Errorf("%s: a document is not a Kubernetes object (apiVersion and kind required):\n%s", r.name, numbered(doc))
			}
			manifests = append(manifests, manifest{Source: r.name, Object: obj, text: strings.Trim(doc, "\n")})
		}
	}
	if opts.output == "json" {
		if manifests == nil {
			manifests = []manifest{}
		}
		return json.MarshalIndent(map[string]interface{}{"manifests": manifests, "notes": notes, "values": values}, "", "  ")
	}
	var buf bytes.Buffer
	for _, m := range manifests {
		fmt.Fprintf(&buf, "---\n# Source: %s\n%s\n", m.Source, m.text)
	}
	if opts.notes && notes != "" {
		fmt.Fprintf(&buf, "\nNOTES:\n%s\n", strings.TrimRight(notes, "\n"))
	}
	return buf.Bytes(), nil
}

// convertYAMLStream turns every document of a YAML stream into JSON, with Helm's typing.
func convertYAMLStream(r io.Reader) ([]byte, error) {
	dec := yaml.NewDecoder(r)
	docs := []interface{}{}
	for {
		var raw interface{}
		err := dec.Decode(&raw)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		v, err := toJSONTypes(raw)
		if err != nil {
			return nil, err
		}
		docs = append(docs, v)
	}
	return json.MarshalIndent(docs, "", "  ")
}

func numbered(doc string) string {
	var b strings.Builder
	for i, line := range strings.Split(doc, "\n") {
		fmt.Fprintf(&b, "%4d| %s\n", i+1, line)
	}
	return b.String()
}

// ---- values.schema.json: the subset of JSON Schema (draft-07) the chart uses ----

func validateAgainstSchema(chartDir string, values map[string]interface{}) error {
	data, err := os.ReadFile(filepath.Join(chartDir, "values.schema.json"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var schema map[string]interface{}
	if err := json.Unmarshal(data, &schema); err != nil {
		return fmt.Errorf("values.schema.json is not valid JSON: %w", err)
	}
	v := &validator{root: schema}
	v.check(schema, values, "")
	if len(v.errs) > 0 {
		sort.Strings(v.errs)
		return fmt.Errorf("values don't meet the specifications of the schema(s):\n- %s", strings.Join(v.errs, "\n- "))
	}
	return nil
}

type validator struct {
	root map[string]interface{}
	errs []string
}

func (v *validator) fail(at, format string, args ...interface{}) {
	if at == "" {
		at = "(root)"
	}
	v.errs = append(v.errs, at+": "+fmt.Sprintf(format, args...))
}

func (v *validator) resolve(s map[string]interface{}) map[string]interface{} {
	for i := 0; i < 32; i++ {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		if !strings.HasPrefix(ref, "#/") {
			v.fail("", "unsupported $ref %q", ref)
			return map[string]interface{}{}
		}
		var cur interface{} = v.root
		for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
			m, _ := cur.(map[string]interface{})
			cur = m[part]
		}
		next, ok := cur.(map[string]interface{})
		if !ok {
			v.fail("", "$ref %q does not resolve", ref)
			return map[string]interface{}{}
		}
		s = next
	}
	return s
}

// valid reports whether value satisfies schema without recording errors.
func (v *validator) valid(schema interface{}, value interface{}, at string) bool {
	sub := &validator{root: v.root}
	sub.check(schema, value, at)
	return len(sub.errs) == 0
}

func jsonType(value interface{}) string {
	switch t := value.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if t == math.Trunc(t) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []interface{}:
		return "array"
	case map[string]interface{}:
		return "object"
	default:
		return fmt.Sprintf("%T", value)
	}
}

func typeMatches(want, got string) bool {
	return want == got || (want == "number" && got == "integer")
}

func (v *validator) check(schemaAny interface{}, value interface{}, at string) {
	if b, ok := schemaAny.(bool); ok {
		if !b {
			v.fail(at, "not allowed")
		}
		return
	}
	schema, ok := schemaAny.(map[string]interface{})
	if !ok {
		return
	}
	schema = v.resolve(schema)
	got := jsonType(value)

	switch t := schema["type"].(type) {
	case string:
		if !typeMatches(t, got) {
			v.fail(at, "invalid type: expected %s, given %s", t, got)
			return
		}
	case []interface{}:
		matched := false
		for _, w := range t {
			if s, _ := w.(string); typeMatches(s, got) {
				matched = true
			}
		}
		if !matched {
			v.fail(at, "invalid type: expected one of %v, given %s", t, got)
			return
		}
	}
	if enum, ok := schema["enum"].([]interface{}); ok {
		found := false
		for _, e := range enum {
			if jsonEqual(e, value) {
				found = true
			}
		}
		if !found {
			v.fail(at, "must be one of %s", toJSON(enum))
		}
	}
	if c, ok := schema["const"]; ok && !jsonEqual(c, value) {
		v.fail(at, "must be %s", toJSON(c))
	}

	switch val := value.(type) {
	case string:
		n := float64(utf8.RuneCountInString(val))
		if m, ok := schema["minLength"].(float64); ok && n < m {
			v.fail(at, "length must be >= %v", m)
		}
		if m, ok := schema["maxLength"].(float64); ok && n > m {
			v.fail(at, "length must be <= %v", m)
		}
		if p, ok := schema["pattern"].(string); ok {
			re, err := regexp.Compile(p)
			if err != nil {
				v.fail(at, "schema pattern %q: %v", p, err)
			} else if !re.MatchString(val) {
				v.fail(at, "%q does not match pattern %q", val, p)
			}
		}
	case float64:
		if m, ok := schema["minimum"].(float64); ok && val < m {
			v.fail(at, "must be >= %v", m)
		}
		if m, ok := schema["maximum"].(float64); ok && val > m {
			v.fail(at, "must be <= %v", m)
		}
		if m, ok := schema["exclusiveMinimum"].(float64); ok && val <= m {
			v.fail(at, "must be > %v", m)
		}
	case []interface{}:
		if m, ok := schema["minItems"].(float64); ok && float64(len(val)) < m {
			v.fail(at, "must have at least %v items", m)
		}
		if m, ok := schema["maxItems"].(float64); ok && float64(len(val)) > m {
			v.fail(at, "must have at most %v items", m)
		}
		if items, ok := schema["items"]; ok {
			for i, item := range val {
				v.check(items, item, fmt.Sprintf("%s[%d]", at, i))
			}
		}
		if u, _ := schema["uniqueItems"].(bool); u {
			for i := range val {
				for j := i + 1; j < len(val); j++ {
					if jsonEqual(val[i], val[j]) {
						v.fail(at, "items %d and %d are equal", i, j)
					}
				}
			}
		}
	case map[string]interface{}:
		v.checkObject(schema, val, at)
	}

	if all, ok := schema["allOf"].([]interface{}); ok {
		for _, s := range all {
			v.check(s, value, at)
		}
	}
	if anyOf, ok := schema["anyOf"].([]interface{}); ok {
		n := 0
		for _, s := range anyOf {
			if v.valid(s, value, at) {
				n++
			}
		}
		if n == 0 {
			v.fail(at, "must match at least one schema in anyOf")
		}
	}
	if oneOf, ok := schema["oneOf"].([]interface{}); ok {
		n := 0
		for _, s := range oneOf {
			if v.valid(s, value, at) {
				n++
			}
		}
		if n != 1 {
			v.fail(at, "must match exactly one schema in oneOf (matched %d)", n)
		}
	}
	if not, ok := schema["not"]; ok && v.valid(not, value, at) {
		v.fail(at, "must not match the schema in not")
	}
	if cond, ok := schema["if"]; ok {
		if v.valid(cond, value, at) {
			if then, ok := schema["then"]; ok {
				v.check(then, value, at)
			}
		} else if els, ok := schema["else"]; ok {
			v.check(els, value, at)
		}
	}
}

func (v *validator) checkObject(schema map[string]interface{}, val map[string]interface{}, at string) {
	join := func(k string) string {
		if at == "" {
			return k
		}
		return at + "." + k
	}
	if req, ok := schema["required"].([]interface{}); ok {
		for _, r := range req {
			if _, present := val[r.(string)]; !present {
				v.fail(at, "missing property %q", r)
			}
		}
	}
	if m, ok := schema["minProperties"].(float64); ok && float64(len(val)) < m {
		v.fail(at, "must have at least %v properties", m)
	}
	props, _ := schema["properties"].(map[string]interface{})
	patterns, _ := schema["patternProperties"].(map[string]interface{})
	keys := make([]string, 0, len(val))
	for k := range val {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if names, ok := schema["propertyNames"]; ok {
			v.check(names, k, join(k)+" (name)")
		}
		matched := false
		if ps, ok := props[k]; ok {
			matched = true
			v.check(ps, val[k], join(k))
		}
		for p, ps := range patterns {
			if re, err := regexp.Compile(p); err == nil && re.MatchString(k) {
				matched = true
				v.check(ps, val[k], join(k))
			}
		}
		if matched {
			continue
		}
		switch ap := schema["additionalProperties"].(type) {
		case bool:
			if !ap {
				v.fail(at, "additional property %q is not allowed", k)
			}
		case map[string]interface{}:
			v.check(ap, val[k], join(k))
		}
	}
}

func jsonEqual(a, b interface{}) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}
