package wire

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

// FuzzMergePatch applies any JSON merge patch to an item of the demo, as
// PATCH does, and checks RFC 7396 on the result: a member set to null is
// gone, any other member that is not an object is the patch's, an object is
// merged the same way, and what the patch leaves out is the item's. The
// result always encodes.
func FuzzMergePatch(f *testing.F) {
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		f.Fatal(err)
	}
	refs := []programme.ItemRef{
		{Kind: programme.KindPerson, Key: p.People[0].Key},
		{Kind: programme.KindSession, Key: p.Sessions[0].Key},
		{Kind: programme.KindRun, Key: p.Transport[0].Key},
		{Kind: programme.KindVenue, Key: p.Venues[0].Key},
	}
	for i, patch := range []string{`{"note":"x"}`, `{"poll":{"decided":null,"closes_at":null}}`, `{"audience":null,"title":{"a":[1,{"b":null}]}}`,
		`{"key":null}`, `[]`, `"s"`, `null`, `{"a":{"b":{"c":{}}}}`, `{"riders":{"people":["x"],"delegations":null}}`} {
		f.Add(uint8(i), []byte(patch))
	}
	f.Fuzz(func(t *testing.T, which uint8, patchJSON []byte) {
		var patch any
		if err := json.Unmarshal(patchJSON, &patch); err != nil {
			return
		}
		ref := refs[int(which)%len(refs)]
		target := fragment(t, p, ref)
		original := fragment(t, p, ref)
		got := MergePatch(target, patch)
		if _, err := json.Marshal(got); err != nil {
			t.Fatalf("the merged item does not encode: %v", err)
		}
		checkMerged(t, "", original, patch, got)
	})
}

// fragment decodes an item's fragment, as the API's PATCH does.
func fragment(t *testing.T, p *programme.Programme, ref programme.ItemRef) map[string]any {
	var it map[string]any
	if err := json.Unmarshal(exchange.Fragment(p, ref), &it); err != nil {
		t.Fatal(err)
	}
	return it
}

// checkMerged checks RFC 7396's result for one level and below.
func checkMerged(t *testing.T, path string, target, patch, got any) {
	t.Helper()
	pm, ok := patch.(map[string]any)
	if !ok {
		if !reflect.DeepEqual(got, patch) {
			t.Fatalf("%s: %v, want the patch's %v", path, got, patch)
		}
		return
	}
	gm, ok := got.(map[string]any)
	if !ok {
		t.Fatalf("%s: %v is not an object", path, got)
	}
	tm, _ := target.(map[string]any)
	for k, v := range pm {
		g, present := gm[k]
		if v == nil {
			if present {
				t.Fatalf("%s.%s is %v, want it gone", path, k, g)
			}
			continue
		}
		checkMerged(t, path+"."+k, tm[k], v, g)
	}
	for k, v := range tm {
		if _, patched := pm[k]; !patched && !reflect.DeepEqual(gm[k], v) {
			t.Fatalf("%s.%s is %v, want the item's %v", path, k, gm[k], v)
		}
	}
	for k := range gm {
		if _, ok := tm[k]; !ok && pm[k] == nil {
			t.Fatalf("%s.%s came from nowhere", path, k)
		}
	}
}

// FuzzRevisions reads any If-Match and If-None-Match header: never a
// panic, and every revision read is one of the header's comma-separated
// parts, without quotes around it.
func FuzzRevisions(f *testing.F) {
	for _, h := range []string{`"abc"`, `W/"abc", "def"`, `*`, ` , ,`, `"a,b"`, `W/`, `""`} {
		f.Add(h)
	}
	f.Fuzz(func(t *testing.T, h string) {
		for _, list := range [][]string{Revisions(h), StrongRevisions(h)} {
			for _, r := range list {
				if strings.HasPrefix(r, `"`) || strings.HasSuffix(r, `"`) || strings.Contains(r, ",") {
					t.Fatalf("header %q gave revision %q", h, r)
				}
			}
		}
		if expect, err := Expectation("0123456789abcdef", h); err == nil && expect == "0123456789abcdef" &&
			!strings.Contains(h, "0123456789abcdef") && !strings.Contains(h, "*") {
			t.Fatalf("If-Match %q matched a revision it does not name", h)
		}
	})
}
