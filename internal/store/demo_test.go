package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
	"github.com/planner-dev/planner/internal/store/storetest"
)

func TestImportDemoTwice(t *testing.T) {
	s, clock := openClocked(t)
	first := storetest.MustImport(t, s, sample.Demo(t))
	if !first.Changed || first.Created == 0 {
		t.Fatalf("first import = %+v, want items created", first)
	}
	before := mustLoad(t, s, demo.Slug)
	clock.Advance(time.Hour)
	second := storetest.MustImport(t, s, sample.Demo(t))
	if second.Changed || second.Unchanged != first.Created {
		t.Errorf("second import = %+v, want nothing changed and %d unchanged", second, first.Created)
	}
	after := mustLoad(t, s, demo.Slug)
	if after.Version != 1 || !reflect.DeepEqual(before, after) {
		t.Errorf("second import changed the demo (Version %d)", after.Version)
	}
	if got, want := normalize(stripStored(after)), normalize(sample.Demo(t)); !reflect.DeepEqual(got, want) {
		t.Errorf("loaded demo differs from the decoded one:\n got %+v\nwant %+v", got, want)
	}
}

// normalize makes empty lists nil, so that a decoder's empty lists and the
// store's missing ones compare equal.
func normalize(p *programme.Programme) *programme.Programme {
	v := reflect.ValueOf(p).Elem()
	normalizeValue(v)
	return p
}

func normalizeValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			normalizeValue(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Field(i).CanSet() {
				normalizeValue(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.SetZero()
			return
		}
		for i := range v.Len() {
			normalizeValue(v.Index(i))
		}
	}
}
