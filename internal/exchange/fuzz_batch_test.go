package exchange

import (
	"bytes"
	"testing"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/programme"
)

// FuzzBatchOf feeds BatchOf, which the API and undo use to turn one item's
// JSON into a change of the stored demo, any item: it must never panic,
// must refuse with EINVALID or ECONFLICT (a bad item is the client's
// fault, never an internal error), and an item it accepts must come out of
// the batch as a fragment that makes the same batch again.
func FuzzBatchOf(f *testing.F) {
	stored, _, err := Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		f.Fatal(err)
	}
	kinds := []string{programme.KindProgramme, programme.KindVenue, programme.KindRoom, programme.KindDelegation,
		programme.KindPerson, programme.KindSession, programme.KindSlot, programme.KindRun, programme.KindVisibility}
	// Every item of the demo, as stored, is a seed.
	refs := []programme.ItemRef{{Kind: programme.KindProgramme, Key: stored.Slug}}
	for _, v := range stored.Venues {
		refs = append(refs, programme.ItemRef{Kind: programme.KindVenue, Key: v.Key})
	}
	for _, r := range stored.Rooms {
		refs = append(refs, programme.ItemRef{Kind: programme.KindRoom, Key: r.Key})
	}
	for _, d := range stored.Delegations {
		refs = append(refs, programme.ItemRef{Kind: programme.KindDelegation, Key: d.Key})
	}
	for _, p := range stored.People {
		refs = append(refs, programme.ItemRef{Kind: programme.KindPerson, Key: p.Key})
	}
	for _, s := range stored.Sessions {
		refs = append(refs, programme.ItemRef{Kind: programme.KindSession, Key: s.Key})
		for _, sl := range s.Slots {
			refs = append(refs, programme.ItemRef{Kind: programme.KindSlot, Key: programme.SlotKey(s.Key, sl.Key)})
		}
	}
	for _, r := range stored.Transport {
		refs = append(refs, programme.ItemRef{Kind: programme.KindRun, Key: r.Key})
	}
	for _, ref := range refs {
		for i, k := range kinds {
			if k == ref.Kind {
				f.Add(uint8(i), ref.Key, Fragment(stored, ref))
			}
		}
	}
	f.Add(uint8(4), "new-person", []byte(`{"key":"new-person","name":"New","role":"delegate","delegation":"af"}`))
	f.Add(uint8(6), "nope/slot", []byte(`{"key":"slot","title":"x"}`))
	f.Add(uint8(5), "s", []byte(`{"key":"s","title":"x","starts_at":"2016-12-05T9:00","ends_at":"2016-12-05T10:00"}`))
	f.Add(uint8(7), "r", []byte(`{"key":"r","poll":{"options":["25:00"]}}`))
	f.Add(uint8(1), "v", []byte(`[]`))
	f.Add(uint8(1), "v", []byte(`null`))
	f.Add(uint8(1), "v", []byte("{\"key\":\"v\",\"name\":\"\xff\"}"))
	f.Fuzz(func(t *testing.T, kind uint8, key string, item []byte) {
		ref := programme.ItemRef{Kind: kinds[int(kind)%len(kinds)], Key: key}
		batch, err := BatchOf(stored, []ItemFragment{{Ref: ref, JSON: item}})
		if err != nil {
			if c := programme.ErrorCode(err); c != programme.EINVALID && c != programme.ECONFLICT {
				t.Fatalf("BatchOf(%s %q, %q): %v (%s), want EINVALID or ECONFLICT", ref.Kind, key, item, err, c)
			}
			return
		}
		if batch == nil {
			t.Fatal("BatchOf returned neither a batch nor an error")
		}
		frag := Fragment(batch, ref)
		if frag == nil {
			return // the item named another key than ref's
		}
		again, err := BatchOf(stored, []ItemFragment{{Ref: ref, JSON: frag}})
		if err != nil {
			t.Fatalf("the batch's own fragment %s is refused: %v", frag, err)
		}
		if back := Fragment(again, ref); !bytes.Equal(back, frag) {
			t.Fatalf("fragment %s makes a batch whose fragment is %s", frag, back)
		}
	})
}
