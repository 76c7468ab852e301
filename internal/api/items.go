package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/planner-dev/planner/internal/api/wire"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
)

// kind is one kind of keyed item: its path segment, its list in the
// programme file, and the keys of its items in a programme.
type kind struct {
	plural, name, list string
	// keys lists the keys of the kind's items in p, in the file's order,
	// in a slice of the caller's own.
	keys func(p *programme.Programme) []string
}

var kinds = []kind{
	{"venues", programme.KindVenue, "venues", func(p *programme.Programme) []string {
		return keysOf(p.Venues, func(x *programme.Venue) string { return x.Key })
	}},
	{"rooms", programme.KindRoom, "rooms", func(p *programme.Programme) []string {
		return keysOf(p.Rooms, func(x *programme.Room) string { return x.Key })
	}},
	{"delegations", programme.KindDelegation, "delegations", func(p *programme.Programme) []string {
		return keysOf(p.Delegations, func(x *programme.Delegation) string { return x.Key })
	}},
	{"people", programme.KindPerson, "people", func(p *programme.Programme) []string {
		return keysOf(p.People, func(x *programme.Person) string { return x.Key })
	}},
	{"sessions", programme.KindSession, "sessions", func(p *programme.Programme) []string {
		return keysOf(p.Sessions, func(x *programme.Session) string { return x.Key })
	}},
	{"runs", programme.KindRun, "transport", func(p *programme.Programme) []string {
		return keysOf(p.Transport, func(x *programme.Run) string { return x.Key })
	}},
}

// keysOf lists the keys of items.
func keysOf[T any](items []T, key func(*T) string) []string {
	out := make([]string, len(items))
	for i := range items {
		out[i] = key(&items[i])
	}
	return out
}

// kindOf is the kind named name (one of kinds).
func kindOf(name string) kind {
	for _, k := range kinds {
		if k.name == name {
			return k
		}
	}
	panic("api: no kind " + name)
}

// Item is one item as the programme file writes it.
type Item = map[string]any

// ItemInput is an item in a request body. It decodes as Item once its text
// passes the programme file's rules (exchange.CheckText): encoding/json
// would otherwise store bytes that are not UTF-8, and halves of surrogate
// pairs, as U+FFFD without a word.
type ItemInput map[string]any

// UnmarshalJSON checks the text of data and decodes it.
func (b *ItemInput) UnmarshalJSON(data []byte) error {
	if err := exchange.CheckText(data); err != nil {
		return err
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		return err
	}
	*b = m
	return nil
}

// ItemOutput is one item with its revision as ETag.
type ItemOutput struct {
	ETag string `header:"ETag" doc:"The item's revision; send it back in If-Match to change the item."`
	Body Item
}

// CreatedItemOutput is an item a PUT wrote, 201 when it is new.
type CreatedItemOutput struct {
	Status int
	ETag   string `header:"ETag"`
	Body   Item
}

// ListOutput is one page of items, as the document describes it; the
// lists write it from kept bytes (lists.go).
type ListOutput struct {
	Body struct {
		Items []Item `json:"items" doc:"The items of this page, in the programme file's order."`
		Total int    `json:"total" doc:"How many items match, on every page."`
		// NextOffset is where the next page starts; absent on the last.
		NextOffset *int `json:"next_offset,omitempty" doc:"The offset of the next page; absent on the last page."`
	}
}

type getItemInput struct {
	Slug        string `path:"slug" doc:"The programme's slug."`
	Key         string `path:"key" doc:"The item's key, as in the programme file."`
	IfNoneMatch string `header:"If-None-Match" doc:"A revision the client holds: 304 when it is still current."`
}

type getSlotInput struct {
	Slug        string `path:"slug" doc:"The programme's slug."`
	Session     string `path:"session" doc:"The session's key."`
	Slot        string `path:"slot" doc:"The slot's key within its session."`
	IfNoneMatch string `header:"If-None-Match"`
}

type putItemInput struct {
	Slug    string `path:"slug" doc:"The programme's slug."`
	Key     string `path:"key" doc:"The item's key, as in the programme file."`
	IfMatch string `header:"If-Match" doc:"The revision being replaced (required when the item exists), or *."`
	Body    ItemInput
}

type putSlotInput struct {
	Slug    string `path:"slug" doc:"The programme's slug."`
	Session string `path:"session" doc:"The session's key."`
	Slot    string `path:"slot" doc:"The slot's key within its session."`
	IfMatch string `header:"If-Match"`
	Body    ItemInput
}

type deleteItemInput struct {
	Slug    string `path:"slug" doc:"The programme's slug."`
	Key     string `path:"key" doc:"The item's key, as in the programme file."`
	IfMatch string `header:"If-Match" required:"true" doc:"The revision being removed."`
}

type deleteSlotInput struct {
	Slug    string `path:"slug" doc:"The programme's slug."`
	Session string `path:"session" doc:"The session's key."`
	Slot    string `path:"slot" doc:"The slot's key within its session."`
	IfMatch string `header:"If-Match" required:"true"`
}

type page struct {
	Limit, Offset int
}

type listInput struct {
	Slug   string `path:"slug"`
	Limit  int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Items per page."`
	Offset int    `query:"offset" minimum:"0" doc:"How many matching items to skip."`
}

type listSessionsInput struct {
	Slug         string    `path:"slug"`
	Limit        int       `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Items per page."`
	Offset       int       `query:"offset" minimum:"0" doc:"How many matching items to skip."`
	Day          string    `query:"day" pattern:"^[0-9]{4}-[0-9]{2}-[0-9]{2}$" doc:"Sessions starting on this day (the programme's wall clock)."`
	Delegation   string    `query:"delegation" doc:"Sessions on the agenda of this delegation."`
	Person       string    `query:"person" doc:"Sessions on the agenda of this person (attending or speaking)."`
	Status       string    `query:"status" doc:"Sessions of this status (as in the file; empty in the file is \"confirmed\")."`
	ChangedSince time.Time `query:"changed_since" doc:"Sessions changed after this instant (RFC 3339)."`
}

type listPeopleInput struct {
	Slug       string `path:"slug"`
	Limit      int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Items per page."`
	Offset     int    `query:"offset" minimum:"0" doc:"How many matching items to skip."`
	Delegation string `query:"delegation" doc:"People of this delegation."`
}

type listSlotsInput struct {
	Slug    string `path:"slug"`
	Session string `path:"session"`
	Limit   int    `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"Items per page."`
	Offset  int    `query:"offset" minimum:"0" doc:"How many matching items to skip."`
}

type noContent struct{}

func (s *Server) registerItems() {
	for _, k := range kinds {
		base := Prefix + "/programmes/{slug}/" + k.plural
		item := base + "/{key}"
		tag := []string{k.plural}
		switch k.name {
		case programme.KindSession:
			registerList(s, huma.Operation{OperationID: "list-sessions", Method: http.MethodGet, Path: base, Tags: tag,
				Summary: "List sessions", Description: "Filters combine; pages by limit and offset."}, s.listSessions)
		case programme.KindPerson:
			registerList(s, huma.Operation{OperationID: "list-people", Method: http.MethodGet, Path: base, Tags: tag, Summary: "List people"},
				s.listPeople)
		default:
			registerList(s, huma.Operation{OperationID: "list-" + k.plural, Method: http.MethodGet, Path: base, Tags: tag, Summary: "List " + k.plural},
				func(ctx context.Context, in *listInput) (*listing, error) {
					return s.list(ctx, in.Slug, k, page{in.Limit, in.Offset}, nil)
				})
		}
		register(s, huma.Operation{OperationID: "get-" + k.name, Method: http.MethodGet, Path: item, Tags: tag,
			Summary: "Get a " + k.name, Errors: []int{http.StatusNotModified}},
			programme.ActionViewProgrammes, func(ctx context.Context, in *getItemInput) (*ItemOutput, error) {
				return s.get(ctx, in.Slug, programme.ItemRef{Kind: k.name, Key: in.Key}, in.IfNoneMatch)
			})
		register(s, huma.Operation{OperationID: "put-" + k.name, Method: http.MethodPut, Path: item, Tags: tag,
			Summary: "Create or replace a " + k.name, Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusConflict, http.StatusPreconditionFailed, http.StatusPreconditionRequired}},
			programme.ActionEditProgrammes, func(ctx context.Context, in *putItemInput) (*CreatedItemOutput, error) {
				return s.put(ctx, in.Slug, programme.ItemRef{Kind: k.name, Key: in.Key}, in.IfMatch, in.Body, false)
			})
		register(s, huma.Operation{OperationID: "patch-" + k.name, Method: http.MethodPatch, Path: item, Tags: tag,
			Summary: "Change some fields of a " + k.name, Description: "A JSON merge patch (RFC 7396) of the item.",
			Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusConflict, http.StatusPreconditionFailed, http.StatusPreconditionRequired}},
			programme.ActionEditProgrammes, func(ctx context.Context, in *putItemInput) (*CreatedItemOutput, error) {
				return s.put(ctx, in.Slug, programme.ItemRef{Kind: k.name, Key: in.Key}, in.IfMatch, in.Body, true)
			})
		register(s, huma.Operation{OperationID: "delete-" + k.name, Method: http.MethodDelete, Path: item, Tags: tag, DefaultStatus: http.StatusNoContent,
			Summary: "Remove a " + k.name, Description: "Sessions and runs are cancelled (calendars show them cancelled); other kinds are deleted when nothing refers to them.",
			Errors: []int{http.StatusConflict, http.StatusPreconditionFailed, http.StatusPreconditionRequired}},
			programme.ActionEditProgrammes, func(ctx context.Context, in *deleteItemInput) (*noContent, error) {
				return s.remove(ctx, in.Slug, programme.ItemRef{Kind: k.name, Key: in.Key}, in.IfMatch)
			})
	}

	slots := Prefix + "/programmes/{slug}/sessions/{session}/slots"
	slot := slots + "/{slot}"
	tag := []string{"sessions"}
	registerList(s, huma.Operation{OperationID: "list-slots", Method: http.MethodGet, Path: slots, Tags: tag, Summary: "List a session's slots"},
		s.listSlots)
	register(s, huma.Operation{OperationID: "get-slot", Method: http.MethodGet, Path: slot, Tags: tag, Summary: "Get a slot", Errors: []int{http.StatusNotModified}},
		programme.ActionViewProgrammes, func(ctx context.Context, in *getSlotInput) (*ItemOutput, error) {
			return s.get(ctx, in.Slug, slotRef(in.Session, in.Slot), in.IfNoneMatch)
		})
	register(s, huma.Operation{OperationID: "put-slot", Method: http.MethodPut, Path: slot, Tags: tag, Summary: "Create or replace a slot",
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusConflict, http.StatusPreconditionFailed, http.StatusPreconditionRequired}},
		programme.ActionEditProgrammes, func(ctx context.Context, in *putSlotInput) (*CreatedItemOutput, error) {
			return s.put(ctx, in.Slug, slotRef(in.Session, in.Slot), in.IfMatch, in.Body, false)
		})
	register(s, huma.Operation{OperationID: "patch-slot", Method: http.MethodPatch, Path: slot, Tags: tag, Summary: "Change some fields of a slot",
		Description: "A JSON merge patch (RFC 7396): moving a slot is a patch of its starts_at and ends_at.",
		Errors:      []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusConflict, http.StatusPreconditionFailed, http.StatusPreconditionRequired}},
		programme.ActionEditProgrammes, func(ctx context.Context, in *putSlotInput) (*CreatedItemOutput, error) {
			return s.put(ctx, in.Slug, slotRef(in.Session, in.Slot), in.IfMatch, in.Body, true)
		})
	register(s, huma.Operation{OperationID: "delete-slot", Method: http.MethodDelete, Path: slot, Tags: tag, DefaultStatus: http.StatusNoContent,
		Summary: "Cancel a slot", Errors: []int{http.StatusConflict, http.StatusPreconditionFailed, http.StatusPreconditionRequired}},
		programme.ActionEditProgrammes, func(ctx context.Context, in *deleteSlotInput) (*noContent, error) {
			return s.remove(ctx, in.Slug, slotRef(in.Session, in.Slot), in.IfMatch)
		})
}

func slotRef(session, slot string) programme.ItemRef {
	return programme.ItemRef{Kind: programme.KindSlot, Key: programme.SlotKey(session, slot)}
}

// fragment decodes an item's fragment.
func fragment(p *programme.Programme, ref programme.ItemRef) Item {
	raw := exchange.Fragment(p, ref)
	if raw == nil {
		return nil
	}
	var it Item
	if err := json.Unmarshal(raw, &it); err != nil {
		panic(err) // Fragment writes JSON objects
	}
	return it
}

func etag(rev string) string { return `"` + rev + `"` }

func (s *Server) get(ctx context.Context, slug string, ref programme.ItemRef, ifNoneMatch string) (*ItemOutput, error) {
	p, err := s.st.Programme(ctx, slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	it := fragment(p, ref)
	if it == nil {
		return nil, huma.Error404NotFound(fmt.Sprintf("The programme %q has no %s %q.", slug, ref.Kind, ref.Key))
	}
	rev := exchange.Revision(p, ref)
	for _, r := range wire.Revisions(ifNoneMatch) {
		if r == rev || r == "*" {
			return nil, huma.Status304NotModified()
		}
	}
	return &ItemOutput{ETag: etag(rev), Body: it}, nil
}

// expectation is the revision a write expects, from If-Match: a write to
// an item that exists must say which revision it replaces (428 otherwise),
// so that no script overwrites an edit it never saw; a PUT without
// If-Match creates, and only when the item does not exist yet.
func expectation(current, ifMatch string) (string, error) {
	rev, err := wire.Expectation(current, ifMatch)
	switch {
	case errors.Is(err, wire.ErrIfMatchRequired):
		return "", huma.NewError(http.StatusPreconditionRequired, "Send If-Match with the item's ETag: it exists, and a write must say which revision it replaces.")
	case errors.Is(err, wire.ErrNoItem):
		// The store compares too, and names who changed the item meanwhile.
		return "", huma.Error412PreconditionFailed("If-Match: * but the item does not exist.")
	}
	return rev, err
}

func (s *Server) put(ctx context.Context, slug string, ref programme.ItemRef, ifMatch string, body Item, patch bool) (*CreatedItemOutput, error) {
	p, err := s.st.Programme(ctx, slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	current := exchange.Revision(p, ref)
	if patch && current == "" {
		return nil, huma.Error404NotFound(fmt.Sprintf("The programme %q has no %s %q.", slug, ref.Kind, ref.Key))
	}
	expect, err := expectation(current, ifMatch)
	if err != nil {
		return nil, err
	}
	item := body
	if patch {
		item = wire.MergePatch(fragment(p, ref), body).(Item)
	}
	key := ref.Key
	if ref.Kind == programme.KindSlot {
		_, key, _ = strings.Cut(ref.Key, "/")
	}
	if k, ok := item["key"]; !ok || k == nil {
		item["key"] = key
	} else if k != key {
		return nil, huma.NewError(http.StatusUnprocessableEntity, "The key of an item is its address: it cannot change.",
			&huma.ErrorDetail{Location: "body.key", Message: fmt.Sprintf("must be %q, as in the path", key), Value: k})
	}
	if ref.Kind == programme.KindSession {
		// A session's slots are items of their own: a session's PUT or
		// PATCH leaves them as they are.
		if _, ok := item["slots"]; ok {
			return nil, huma.NewError(http.StatusUnprocessableEntity, "A session's slots are changed at its slots' own addresses.",
				&huma.ErrorDetail{Location: "body.slots", Message: "leave slots out of a session"})
		}
	}
	raw, err := json.Marshal(item)
	if err != nil {
		return nil, huma.Error400BadRequest("The item is not JSON.")
	}
	batch, err := exchange.BatchOf(p, []exchange.ItemFragment{{Ref: ref, JSON: raw}})
	if err != nil {
		return nil, s.problem(ctx, err, bodyPath)
	}
	_, err = s.st.Change(ctx, slug, programme.ChangeRequest{
		Batch: batch, Expect: map[programme.ItemRef]string{ref: expect},
		Author: authorOf(ctx), Source: programme.SourceAPI,
	})
	if err != nil {
		return nil, s.problem(ctx, err, bodyPath)
	}
	p, err = s.st.Programme(ctx, slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	out := &CreatedItemOutput{Status: http.StatusOK, ETag: etag(exchange.Revision(p, ref)), Body: fragment(p, ref)}
	if current == "" {
		out.Status = http.StatusCreated
	}
	return out, nil
}

func (s *Server) remove(ctx context.Context, slug string, ref programme.ItemRef, ifMatch string) (*noContent, error) {
	p, err := s.st.Programme(ctx, slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	current := exchange.Revision(p, ref)
	if current == "" {
		return nil, huma.Error404NotFound(fmt.Sprintf("The programme %q has no %s %q.", slug, ref.Kind, ref.Key))
	}
	expect, err := expectation(current, ifMatch)
	if err != nil {
		return nil, err
	}
	_, err = s.st.Change(ctx, slug, programme.ChangeRequest{
		Remove: []programme.ItemRef{ref}, Expect: map[programme.ItemRef]string{ref: expect},
		Author: authorOf(ctx), Source: programme.SourceAPI,
	})
	if err != nil {
		// A reference that forbids the deletion is the state of the
		// programme, not a fault of the request: 409.
		if programme.ErrorCode(err) == programme.EINVALID {
			return nil, huma.Error409Conflict(programme.ErrorMessage(err))
		}
		return nil, s.problem(ctx, err, nil)
	}
	return &noContent{}, nil
}

// batchPath matches the path of a batch's one item, such as
// "sessions[0].slots[0].ends_at" or "people[0]".
var batchPath = regexp.MustCompile(`^(?:programme|[a-z]+\[0\](?:\.slots\[0\])?)(.*)$`)

// bodyPath turns a path into the batch built from a request's item into
// the location of the same field in the request body.
func bodyPath(path string) string {
	if m := batchPath.FindStringSubmatch(path); m != nil {
		return "body" + m[1]
	}
	return "body"
}
