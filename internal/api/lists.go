package api

import (
	"bytes"
	"context"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/planner-dev/planner/internal/programme"
)

// The lists of a programme's items are written once per version of the
// programme and shape of the list (its kind, page and filters), then
// served from the kept bytes (listCache): encoding a page of a
// conference's sessions costs milliseconds, and scripts poll the same
// pages. Authorization (the middleware) and the version (s.current) are
// checked on every request before the kept bytes are looked up.

// listing is a list a handler found, before it is written: the programme
// it reads, what shapes the list's bytes within that version, and how to
// build the list when no bytes are kept.
type listing struct {
	p     *programme.Programme
	shape string
	build func() *ListOutput
}

// listResponse writes a listing (writeList); its document is ListOutput's.
type listResponse struct {
	Body func(huma.Context)
}

// listBodyField is the field the document describes a list's body by.
var listBodyField, _ = reflect.TypeFor[ListOutput]().FieldByName("Body")

// registerList adds an operation that lists items, for whoever may view
// programmes. Its 200 is documented as ListOutput's body, as if the
// handler returned one: the $schema link huma adds to such a body is
// documented and written the same way.
func registerList[I any](s *Server, op huma.Operation, h func(context.Context, *I) (*listing, error)) {
	op.Responses = map[string]*huma.Response{"200": {Description: http.StatusText(http.StatusOK), Content: map[string]*huma.MediaType{
		"application/json": {Schema: huma.SchemaFromField(s.api.OpenAPI().Components.Schemas, listBodyField, "ListOutputBody")},
	}}}
	register(s, op, programme.ActionViewProgrammes, func(ctx context.Context, in *I) (*listResponse, error) {
		l, err := h(ctx, in)
		if err != nil {
			return nil, err
		}
		return &listResponse{Body: func(hc huma.Context) { s.writeList(hc, l) }}, nil
	})
}

// writeList writes l from the bytes kept for it, or encodes and keeps
// them. The bytes are what huma writes for a ListOutput body, $schema
// link included; that link names the host the request came to, so the
// key names it too.
func (s *Server) writeList(hc huma.Context, l *listing) {
	var empty ListOutput
	// The transform adds the Link header of the body's schema; the
	// $schema it returns is in the kept bytes already.
	if _, err := s.api.Transform(hc, "200", &empty.Body); err != nil {
		s.internalError(hc, err)
		return
	}
	key := strings.Join([]string{l.p.Slug, strconv.FormatInt(l.p.Version, 10), l.shape, schemaHost(hc)}, "\x00")
	body, err := s.lists.body(key, l.p.Slug, l.p.Version, func() ([]byte, error) {
		out := l.build()
		v, err := s.api.Transform(quietContext{hc}, "200", &out.Body)
		if err != nil {
			return nil, err
		}
		var b bytes.Buffer
		if err := s.api.Marshal(&b, "application/json", v); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	})
	if err != nil {
		s.internalError(hc, err)
		return
	}
	hc.SetHeader("Content-Type", "application/json")
	hc.SetStatus(http.StatusOK)
	_, _ = hc.BodyWriter().Write(body)
}

// internalError logs err and answers 500 without its detail.
func (s *Server) internalError(hc huma.Context, err error) {
	s.log.ErrorContext(hc.Context(), "api", "err", err)
	_ = huma.WriteErr(s.api, hc, http.StatusInternalServerError, "Internal error.")
}

// schemaHost is what of a request huma's schema link transformer reads to
// write the $schema of a body: the forwarded host, else the request's,
// and whether it came over TLS.
func schemaHost(hc huma.Context) string {
	return strings.Join([]string{hc.Header("X-Forwarded-Host"), hc.Header("Forwarded"), hc.Host(), strconv.FormatBool(hc.TLS() != nil)}, "\x00")
}

// quietContext is a request's context for encoding a body to keep: the
// headers a transform sets are the request's own business (writeList
// sets them for every request, kept bytes or not).
type quietContext struct{ humaContext }

// humaContext names huma.Context for embedding: embedded as itself, its
// field would hide its method Context.
type humaContext = huma.Context

func (quietContext) SetHeader(string, string)    {}
func (quietContext) AppendHeader(string, string) {}

// shapeOf joins the parameters that shape a list, each quoted so that no
// two lists of parameters join the same.
func shapeOf(parts ...string) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(strconv.Quote(p))
	}
	return b.String()
}

// pageShape is how a page shapes a list.
func pageShape(pg page) []string {
	return []string{strconv.Itoa(pg.Limit), strconv.Itoa(pg.Offset)}
}

// list is the page pg of the items of kind k that keep (all when nil);
// filters names whatever keep depends on.
func (s *Server) list(ctx context.Context, slug string, k kind, pg page, keep func(p *programme.Programme, key string) bool, filters ...string) (*listing, error) {
	p, err := s.current(ctx, slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	return &listing{p: p, shape: shapeOf(append(append([]string{k.plural}, pageShape(pg)...), filters...)...),
		build: func() *ListOutput { return listOf(p, k, pg, keep) }}, nil
}

// listOf pages through the items of kind k of p that keep (all when nil).
// Only the items of the page are written out.
func listOf(p *programme.Programme, k kind, pg page, keep func(p *programme.Programme, key string) bool) *ListOutput {
	keys := k.keys(p)
	if keep != nil {
		keys = slices.DeleteFunc(keys, func(key string) bool { return !keep(p, key) })
	}
	return pageOf(len(keys), pg, func(i int) Item {
		return fragment(p, programme.ItemRef{Kind: k.name, Key: keys[i]})
	})
}

// pageOf is the page pg of n items, writing out item i with item only for
// the items on the page.
func pageOf(n int, pg page, item func(i int) Item) *ListOutput {
	if pg.Limit == 0 {
		pg.Limit = 100
	}
	out := &ListOutput{}
	out.Body.Total = n
	out.Body.Items = []Item{}
	if pg.Offset < n {
		end := min(pg.Offset+pg.Limit, n)
		for i := pg.Offset; i < end; i++ {
			out.Body.Items = append(out.Body.Items, item(i))
		}
		if end < n {
			out.Body.NextOffset = &end
		}
	}
	return out
}

func (s *Server) listPeople(ctx context.Context, in *listPeopleInput) (*listing, error) {
	var keep func(*programme.Programme, string) bool
	if in.Delegation != "" {
		keep = func(p *programme.Programme, key string) bool { return p.Person(key).Delegation == in.Delegation }
	}
	return s.list(ctx, in.Slug, kindOf(programme.KindPerson), page{in.Limit, in.Offset}, keep, in.Delegation)
}

func (s *Server) listSessions(ctx context.Context, in *listSessionsInput) (*listing, error) {
	p, err := s.current(ctx, in.Slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	if in.Day != "" {
		if _, err := time.Parse(time.DateOnly, in.Day); err != nil {
			return nil, queryProblem(s, ctx, programme.Errorf(programme.EINVALID, "%q is not a date (YYYY-MM-DD).", in.Day), "query.day")
		}
	}
	// Whose agenda a session is on is what their calendar feed says now:
	// what a feed leaves out depends on the clock as well as the version,
	// so the sessions found are part of the list's shape.
	now := s.now()
	var onPerson, onDelegation map[string]bool
	if in.Person != "" {
		if onPerson, err = agenda(p, now, []programme.FeedKind{programme.FeedPerson, programme.FeedSpeaker}, in.Person); err != nil {
			return nil, queryProblem(s, ctx, err, "query.person")
		}
	}
	if in.Delegation != "" {
		if onDelegation, err = agenda(p, now, []programme.FeedKind{programme.FeedDelegation}, in.Delegation); err != nil {
			return nil, queryProblem(s, ctx, err, "query.delegation")
		}
	}
	keep := func(p *programme.Programme, key string) bool {
		x := p.Session(key)
		if in.Day != "" && x.StartsAt.In(p.Loc(x.TimeZone)).Format(time.DateOnly) != in.Day {
			return false
		}
		if in.Status != "" {
			status := x.Status
			if status == "" {
				status = programme.StatusConfirmed
			}
			if status != in.Status {
				return false
			}
		}
		if !in.ChangedSince.IsZero() && !x.ModifiedAt.After(in.ChangedSince) {
			return false
		}
		return (onPerson == nil || onPerson[key]) && (onDelegation == nil || onDelegation[key])
	}
	pg := page{in.Limit, in.Offset}
	k := kindOf(programme.KindSession)
	shape := shapeOf(append([]string{k.plural, in.Day, in.Status, changedSince(in.ChangedSince),
		in.Person, agendaShape(onPerson), in.Delegation, agendaShape(onDelegation)}, pageShape(pg)...)...)
	return &listing{p: p, shape: shape, build: func() *ListOutput { return listOf(p, k, pg, keep) }}, nil
}

// agenda is the sessions on the calendar feeds of kinds for key at now.
func agenda(p *programme.Programme, now time.Time, kinds []programme.FeedKind, key string) (map[string]bool, error) {
	on := map[string]bool{}
	found := false
	for _, fk := range kinds {
		entries, err := p.FeedEntries(fk, key, now)
		if programme.ErrorCode(err) == programme.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		found = true
		for _, e := range entries {
			id := strings.TrimPrefix(strings.TrimPrefix(e.ID, "session/"), "slot/")
			session, _, _ := strings.Cut(id, "/")
			on[session] = true
		}
	}
	if !found {
		return nil, programme.Errorf(programme.EINVALID, "The programme has no %s %q.", kinds[0], key)
	}
	return on, nil
}

// agendaShape is how the sessions of an agenda shape a list: no filter
// (nil) and an empty agenda differ.
func agendaShape(on map[string]bool) string {
	if on == nil {
		return "-"
	}
	keys := make([]string, 0, len(on))
	for k := range on {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return shapeOf(keys...)
}

// changedSince is how a changed_since filter shapes a list.
func changedSince(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// queryProblem is a 422 naming the query parameter at fault.
func queryProblem(s *Server, ctx context.Context, err error, loc string) error {
	if programme.ErrorCode(err) != programme.EINVALID {
		return s.problem(ctx, err, nil)
	}
	return huma.NewError(http.StatusUnprocessableEntity, programme.ErrorMessage(err), &huma.ErrorDetail{Location: loc, Message: programme.ErrorMessage(err)})
}

func (s *Server) listSlots(ctx context.Context, in *listSlotsInput) (*listing, error) {
	p, err := s.current(ctx, in.Slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	x := p.Session(in.Session)
	if x == nil {
		return nil, huma.Error404NotFound("The programme " + in.Slug + " has no session " + in.Session + ".")
	}
	pg := page{in.Limit, in.Offset}
	return &listing{p: p, shape: shapeOf(append([]string{"slots", x.Key}, pageShape(pg)...)...), build: func() *ListOutput {
		return pageOf(len(x.Slots), pg, func(i int) Item {
			return fragment(p, programme.ItemRef{Kind: programme.KindSlot, Key: programme.SlotKey(x.Key, x.Slots[i].Key)})
		})
	}}, nil
}
