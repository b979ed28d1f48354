package main

// Checks that the renderer behaves like Helm where charts can tell the difference.
// Run: GOPATH=/usr/share/gocode GO111MODULE=off GOPROXY=off go test render.go render_test.go

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeChart makes a chart directory from path → content.
func writeChart(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	base := map[string]string{
		"Chart.yaml":  "apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: \"4.5\"\n",
		"values.yaml": "{}\n",
	}
	for name, content := range files {
		base[name] = content
	}
	for name, content := range base {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func renderJSON(t *testing.T, dir string, valueFiles ...string) (map[string]interface{}, error) {
	t.Helper()
	out, err := run(options{chartDir: dir, releaseName: "rel", namespace: "ns", kubeVersion: "v1.31.0", output: "json", valueFiles: valueFiles})
	if err != nil {
		return nil, err
	}
	var doc map[string]interface{}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, out)
	}
	return doc, nil
}

func firstObject(t *testing.T, doc map[string]interface{}) map[string]interface{} {
	t.Helper()
	ms := doc["manifests"].([]interface{})
	if len(ms) == 0 {
		t.Fatal("no manifests rendered")
	}
	return ms[0].(map[string]interface{})["object"].(map[string]interface{})
}

const configMapHead = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n"

func TestMissingValuesRenderEmptyNotNoValue(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"templates/cm.yaml": configMapHead + "  a: \"[{{ .Values.absent }}]\"\n",
	})
	doc, err := renderJSON(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := firstObject(t, doc)["data"].(map[string]interface{})["a"]; got != "[]" {
		t.Fatalf("missing value rendered as %q, want %q", got, "[]")
	}
}

func TestValuesMergeDeeplyAndNullDeletes(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":       "m:\n  keep: 1\n  drop: 2\n  inner: {a: 1, b: 2}\nlist: [1, 2, 3]\n",
		"templates/cm.yaml": configMapHead + "  v: {{ toJson .Values | quote }}\n",
	})
	override := filepath.Join(t.TempDir(), "o.yaml")
	os.WriteFile(override, []byte("m:\n  drop: null\n  inner: {b: 3}\nlist: [9]\n"), 0o644)
	doc, err := renderJSON(t, dir, override)
	if err != nil {
		t.Fatal(err)
	}
	got := firstObject(t, doc)["data"].(map[string]interface{})["v"]
	want := `{"list":[9],"m":{"inner":{"a":1,"b":3},"keep":1}}`
	if got != want {
		t.Fatalf("merged values = %s, want %s", got, want)
	}
}

func TestNumbersAreFloat64AndKeysStrings(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":       "n: 2\nversions:\n  1: {}\n",
		"templates/cm.yaml": configMapHead + "  kind: {{ kindOf .Values.n }}\n  key: {{ range $k, $v := .Values.versions }}{{ kindOf $k }}{{ end }}\n",
	})
	doc, err := renderJSON(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	data := firstObject(t, doc)["data"].(map[string]interface{})
	if data["kind"] != "float64" || data["key"] != "string" {
		t.Fatalf("value kinds = %v, want float64 numbers and string keys as in Helm", data)
	}
}

func TestIncludeTplRequiredAndLookup(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"values.yaml":      "name: world\ngreeting: \"hello {{ .Values.name }}\"\n",
		"templates/_h.tpl": `{{- define "demo.x" -}}x-{{ . }}{{- end }}`,
		"templates/cm.yaml": configMapHead +
			"  inc: {{ include \"demo.x\" \"y\" }}\n" +
			"  tpl: {{ tpl .Values.greeting . }}\n" +
			"  req: {{ required \"name is required\" .Values.name }}\n" +
			"  lookup: {{ len (lookup \"v1\" \"Secret\" \"ns\" \"s\") }}\n" +
			"  tmpl: {{ .Template.Name }}|{{ .Template.BasePath }}\n" +
			"  chart: {{ .Chart.Name }}-{{ .Chart.Version }}-{{ .Chart.AppVersion }}\n" +
			"  release: {{ .Release.Name }}/{{ .Release.Namespace }}/{{ .Release.Service }}/{{ .Release.IsInstall }}\n" +
			"  caps: {{ .Capabilities.APIVersions.Has \"apps/v1\" }}-{{ .Capabilities.KubeVersion.Minor }}\n",
	})
	doc, err := renderJSON(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	data := firstObject(t, doc)["data"].(map[string]interface{})
	want := map[string]interface{}{
		"inc": "x-y", "tpl": "hello world", "req": "world", "lookup": 0.0,
		"tmpl": "demo/templates/cm.yaml|demo/templates", "chart": "demo-1.2.3-4.5",
		"release": "rel/ns/Helm/true", "caps": "true-31",
	}
	for k, v := range want {
		if data[k] != v {
			t.Errorf("%s = %#v, want %#v", k, data[k], v)
		}
	}
}

func TestRequiredAndFailStopRendering(t *testing.T) {
	for _, tc := range []struct{ tpl, msg string }{
		{`{{ required "set .Values.x" .Values.x }}`, "set .Values.x"},
		{`{{ fail "no way" }}`, "no way"},
	} {
		dir := writeChart(t, map[string]string{"templates/cm.yaml": configMapHead + "  a: " + tc.tpl + "\n"})
		_, err := renderJSON(t, dir)
		if err == nil || !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("%s: error = %v, want one containing %q", tc.tpl, err, tc.msg)
		}
	}
}

func TestToYamlIsBlockStyleSortedAndQuotesAmbiguousStrings(t *testing.T) {
	got := toYAML(map[string]interface{}{"z": "true", "a": "1", "m": "plain", "l": []interface{}{"x"}, "n": 2.0, "o": map[string]interface{}{}})
	want := "a: \"1\"\nl:\n  - x\nm: plain\nn: 2\no: {}\nz: \"true\""
	if got != want {
		t.Fatalf("toYaml:\n%s\nwant:\n%s", got, want)
	}
}

func TestPartialsAndNotesAreNotManifests(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"templates/_helpers.tpl": "apiVersion: v1\nkind: Secret\n",
		"templates/NOTES.txt":    "Installed {{ .Release.Name }}.",
		"templates/cm.yaml":      configMapHead + "  a: b\n---\n# only a comment\n---\n",
	})
	doc, err := renderJSON(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(doc["manifests"].([]interface{})); n != 1 {
		t.Fatalf("%d manifests, want 1 (no partials, no NOTES, no empty documents)", n)
	}
	if doc["notes"] != "Installed rel." {
		t.Fatalf("notes = %q", doc["notes"])
	}
}

func TestInvalidYAMLIsReported(t *testing.T) {
	dir := writeChart(t, map[string]string{"templates/cm.yaml": configMapHead + "  a: [unclosed\n"})
	if _, err := renderJSON(t, dir); err == nil || !strings.Contains(err.Error(), "YAML parse error on demo/templates/cm.yaml") {
		t.Fatalf("error = %v, want a YAML parse error naming the template", err)
	}
}

func TestFilesGetAndGlob(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"files/a.json":      "{\"x\":1}",
		"files/b.json":      "{}",
		"templates/cm.yaml": configMapHead + "  a: {{ .Files.Get \"files/a.json\" | quote }}\n  n: {{ len (.Files.Glob \"files/*.json\") }}\n  none: {{ .Files.Get \"templates/cm.yaml\" | quote }}\n",
	})
	doc, err := renderJSON(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	data := firstObject(t, doc)["data"].(map[string]interface{})
	if data["a"] != `{"x":1}` || data["n"] != 2.0 || data["none"] != "" {
		t.Fatalf("Files: %v (templates must not be readable through .Files)", data)
	}
}

func TestSchemaValidation(t *testing.T) {
	schema := `{
	  "type": "object", "additionalProperties": false, "required": ["a"],
	  "definitions": {"port": {"type": "integer", "minimum": 1, "maximum": 65535}},
	  "properties": {
	    "a": {"$ref": "#/definitions/port"},
	    "s": {"type": "string", "pattern": "^[a-f0-9]{4}$"},
	    "src": {"type": "object", "oneOf": [{"required": ["x"]}, {"required": ["y"]}]},
	    "names": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"}, "additionalProperties": {"type": "boolean"}}
	  }
	}`
	cases := []struct {
		values string
		errs   []string
	}{
		{"a: 80\ns: beef\nsrc: {x: 1}\nnames: {ok: true}\n", nil},
		{"a: 1.5\n", []string{"a: invalid type: expected integer, given number"}},
		{"a: 70000\n", []string{"a: must be <= 65535"}},
		{"s: xyz\n", []string{`missing property "a"`, `does not match pattern`}},
		{"a: 1\nsrc: {x: 1, y: 2}\n", []string{"src: must match exactly one schema in oneOf (matched 2)"}},
		{"a: 1\ntypo: 1\n", []string{`additional property "typo" is not allowed`}},
		{"a: 1\nnames: {Bad: true, ok: 1}\n", []string{"names.Bad (name)", "names.ok: invalid type: expected boolean"}},
	}
	for _, tc := range cases {
		dir := writeChart(t, map[string]string{"values.schema.json": schema, "values.yaml": tc.values, "templates/cm.yaml": configMapHead + "  a: b\n"})
		_, err := renderJSON(t, dir)
		if tc.errs == nil {
			if err != nil {
				t.Errorf("%q: unexpected error %v", tc.values, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: accepted, want errors %v", tc.values, tc.errs)
			continue
		}
		for _, e := range tc.errs {
			if !strings.Contains(err.Error(), e) {
				t.Errorf("%q: error %q does not mention %q", tc.values, err, e)
			}
		}
	}
}

// fromYaml, fromYamlArray, fromJson and fromJsonArray as templates call them: Helm's typing (string
// keys, float64 numbers) and Helm's way of reporting bad input (an "Error" key, or the message as
// the only item), never a failed render.
func TestFromYamlAndFromJsonInTemplates(t *testing.T) {
	dir := writeChart(t, map[string]string{
		"templates/cm.yaml": configMapHead +
			"  yamlNested: {{ (fromYaml \"a:\\n  b: [x, 2]\\n  1: one\").a | toJson | quote }}\n" +
			"  yamlKinds: {{ $m := fromYaml \"n: 3\\nf: 1.5\\ns: '3'\\nt: true\" }}{{ kindOf $m.n }},{{ kindOf $m.f }},{{ kindOf $m.s }},{{ kindOf $m.t }}\n" +
			"  yamlEmpty: {{ fromYaml \"\" | len }}\n" +
			"  yamlBad: {{ hasKey (fromYaml \"a: [\") \"Error\" }}\n" +
			"  yamlList: {{ hasKey (fromYaml \"- a\\n- b\") \"Error\" }}\n" +
			"  yamlArray: {{ fromYamlArray \"- a\\n- {b: 1}\" | toJson | quote }}\n" +
			"  yamlArrayOfMap: {{ len (fromYamlArray \"a: 1\") }}-{{ kindOf (first (fromYamlArray \"a: 1\")) }}\n" +
			"  jsonNested: {{ (fromJson \"{\\\"a\\\":{\\\"b\\\":[1,\\\"x\\\"]}}\").a.b | toJson | quote }}\n" +
			"  jsonKind: {{ kindOf (fromJson \"{\\\"n\\\":7}\").n }}\n" +
			"  jsonBad: {{ hasKey (fromJson \"{nope\") \"Error\" }}\n" +
			"  jsonArrayOfMap: {{ hasKey (fromJson \"[1]\") \"Error\" }}\n" +
			"  jsonArray: {{ fromJsonArray \"[1,{\\\"a\\\":null}]\" | toJson | quote }}\n" +
			"  jsonArrayBad: {{ len (fromJsonArray \"{}\") }}-{{ kindOf (first (fromJsonArray \"{}\")) }}\n" +
			"  roundTrip: {{ (dict \"k\" (list 1 \"two\" (dict \"z\" true)) | toJson | fromJson).k | toYaml | quote }}\n",
	})
	doc, err := renderJSON(t, dir)
	if err != nil {
		t.Fatal(err)
	}
	data := firstObject(t, doc)["data"].(map[string]interface{})
	want := map[string]interface{}{
		"yamlNested":     `{"1":"one","b":["x",2]}`,
		"yamlKinds":      "float64,float64,string,bool",
		"yamlEmpty":      0.0,
		"yamlBad":        true,
		"yamlList":       true,
		"yamlArray":      `["a",{"b":1}]`,
		"yamlArrayOfMap": "1-string",
		"jsonNested":     `[1,"x"]`,
		"jsonKind":       "float64",
		"jsonBad":        true,
		"jsonArrayOfMap": true,
		"jsonArray":      `[1,{"a":null}]`,
		"jsonArrayBad":   "1-string",
		"roundTrip":      "- 1\n- two\n- z: true",
	}
	for k, v := range want {
		if data[k] != v {
			t.Errorf("%s = %#v, want %#v", k, data[k], v)
		}
	}
}
