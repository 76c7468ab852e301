package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

type slugInput struct {
	Slug string `path:"slug" doc:"The programme's slug."`
}

type getProgrammeInput struct {
	Slug        string `path:"slug" doc:"The programme's slug."`
	IfNoneMatch string `header:"If-None-Match"`
}

type putProgrammeInput struct {
	Slug    string `path:"slug" doc:"The programme's slug."`
	IfMatch string `header:"If-Match" required:"true" doc:"The revision of the programme's own fields being replaced."`
	Body    ItemInput
}

// ProgrammesOutput lists the programmes' own fields.
type ProgrammesOutput struct {
	Body struct {
		Items []Item `json:"items"`
	}
}

// FileOutput is a whole programme file, byte for byte as `planner export`
// writes it (huma writes a []byte body as it is).
type FileOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

type importInput struct {
	DryRun  bool   `query:"dry_run" doc:"Check and report what the import would do, and change nothing."`
	Prune   bool   `query:"prune" doc:"Cancel the sessions, slots and runs the file leaves out."`
	RawBody []byte `contentType:"application/json" doc:"A programme file."`
}

// ImportItem is one item an import creates, updates or cancels.
type ImportItem struct {
	Kind   string `json:"kind"`
	Key    string `json:"key"`
	Action string `json:"action" enum:"create,update,cancel"`
	Title  string `json:"title"`
}

// ImportOutput is what an import did, or would do.
type ImportOutput struct {
	Body struct {
		Slug      string       `json:"slug"`
		DryRun    bool         `json:"dry_run"`
		Changed   bool         `json:"changed"`
		Created   int          `json:"created"`
		Updated   int          `json:"updated"`
		Unchanged int          `json:"unchanged"`
		Cancelled int          `json:"cancelled"`
		Items     []ImportItem `json:"items"`
		ChangeID  int64        `json:"change_id,omitempty" doc:"The change in the history; absent for a dry run or no change."`
	}
}

// Conflict is one clash in a programme (see programme.Conflicts).
type Conflict struct {
	Kind   string    `json:"kind"`
	Items  []string  `json:"items" doc:"Entry ids: session/<key>, slot/<session>/<slot>, run/<key>."`
	People []string  `json:"people"`
	Room   string    `json:"room,omitempty"`
	At     time.Time `json:"at"`
}

// ConflictsOutput lists a programme's conflicts.
type ConflictsOutput struct {
	Body struct {
		Items []Conflict `json:"items"`
	}
}

// ChangeItem is what one change did to one item.
type ChangeItem struct {
	Kind   string   `json:"kind"`
	Key    string   `json:"key"`
	Action string   `json:"action"`
	Title  string   `json:"title"`
	Lines  []string `json:"lines"`
}

// Change is one entry of the change history.
type Change struct {
	ID      int64        `json:"id"`
	At      time.Time    `json:"at"`
	Author  string       `json:"author"`
	Source  string       `json:"source"`
	Summary string       `json:"summary"`
	UndoOf  int64        `json:"undo_of,omitempty"`
	Items   []ChangeItem `json:"items"`
}

type historyInput struct {
	Slug  string    `path:"slug" doc:"The programme's slug."`
	Since time.Time `query:"since" doc:"Only changes made after this instant (RFC 3339)."`
	Limit int       `query:"limit" minimum:"1" maximum:"1000" default:"100" doc:"The most recent changes to list."`
}

// HistoryOutput lists changes, newest first.
type HistoryOutput struct {
	Body struct {
		Items []Change `json:"items"`
	}
}

type undoInput struct {
	Slug string `path:"slug" doc:"The programme's slug."`
	ID   int64  `path:"id" doc:"The change to undo."`
}

// ChangeOutput is one change.
type ChangeOutput struct {
	Body Change
}

func (s *Server) registerProgrammes() {
	tag := []string{"programmes"}
	p := Prefix + "/programmes"
	register(s, huma.Operation{OperationID: "list-programmes", Method: http.MethodGet, Path: p, Tags: tag, Summary: "List programmes"},
		programme.ActionViewProgrammes, func(ctx context.Context, _ *struct{}) (*ProgrammesOutput, error) {
			ps, err := s.st.Programmes(ctx)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			out := &ProgrammesOutput{}
			out.Body.Items = []Item{}
			for i := range ps {
				out.Body.Items = append(out.Body.Items, fragment(&ps[i], programme.ItemRef{Kind: programme.KindProgramme, Key: ps[i].Slug}))
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "get-programme", Method: http.MethodGet, Path: p + "/{slug}", Tags: tag,
		Summary: "Get a programme's own fields", Errors: []int{http.StatusNotModified}},
		programme.ActionViewProgrammes, func(ctx context.Context, in *getProgrammeInput) (*ItemOutput, error) {
			return s.get(ctx, in.Slug, programme.ItemRef{Kind: programme.KindProgramme, Key: in.Slug}, in.IfNoneMatch)
		})
	register(s, huma.Operation{OperationID: "put-programme", Method: http.MethodPut, Path: p + "/{slug}", Tags: tag,
		Summary: "Replace a programme's own fields", Description: "New programmes come by import.",
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusPreconditionFailed, http.StatusPreconditionRequired}},
		programme.ActionEditProgrammes, func(ctx context.Context, in *putProgrammeInput) (*CreatedItemOutput, error) {
			return s.putHeader(ctx, in)
		})
	register(s, huma.Operation{OperationID: "export-programme", Method: http.MethodGet, Path: p + "/{slug}/export", Tags: tag,
		Summary: "Export the programme file"},
		programme.ActionViewProgrammes, func(ctx context.Context, in *slugInput) (*FileOutput, error) {
			prog, err := s.st.Programme(ctx, in.Slug)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			var b bytes.Buffer
			if err := exchange.Encode(&b, prog); err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			return &FileOutput{ContentType: "application/json", ContentDisposition: `attachment; filename="` + prog.Slug + `.json"`, Body: b.Bytes()}, nil
		})
	// The document describes the file as the JSON object it is, not as the
	// bytes the handler hands over.
	s.api.OpenAPI().Paths[p+"/{slug}/export"].Get.Responses["200"].Content = map[string]*huma.MediaType{
		"application/json": {Schema: &huma.Schema{Type: huma.TypeObject, Description: "A programme file (docs/programme-format.md).", AdditionalProperties: true}},
	}
	register(s, huma.Operation{OperationID: "import-programme", Method: http.MethodPost, Path: p + "/import", Tags: tag,
		Summary: "Import a programme file", Description: "Creates the programme of the file's slug, or changes it to match the file. With dry_run, reports what it would do.",
		MaxBodyBytes: maxImportBytes, SkipValidateBody: true,
		Errors: []int{http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusConflict}},
		programme.ActionEditProgrammes, s.importFile)
	register(s, huma.Operation{OperationID: "list-conflicts", Method: http.MethodGet, Path: p + "/{slug}/conflicts", Tags: tag,
		Summary: "List the programme's conflicts"},
		programme.ActionViewProgrammes, func(ctx context.Context, in *slugInput) (*ConflictsOutput, error) {
			prog, err := s.st.Programme(ctx, in.Slug)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			out := &ConflictsOutput{}
			out.Body.Items = []Conflict{}
			for _, c := range prog.Conflicts() {
				out.Body.Items = append(out.Body.Items, Conflict{Kind: string(c.Kind), Items: nonNil(c.Items), People: nonNil(c.People), Room: c.Room, At: c.At.UTC()})
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "list-changes", Method: http.MethodGet, Path: p + "/{slug}/history", Tags: tag,
		Summary: "List the change history, newest first"},
		programme.ActionViewProgrammes, func(ctx context.Context, in *historyInput) (*HistoryOutput, error) {
			changes, err := s.st.History(ctx, in.Slug, in.Limit)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			out := &HistoryOutput{}
			out.Body.Items = []Change{}
			for _, c := range changes {
				if !in.Since.IsZero() && !c.At.After(in.Since) {
					continue
				}
				out.Body.Items = append(out.Body.Items, changeOf(c))
			}
			return out, nil
		})
	register(s, huma.Operation{OperationID: "undo-change", Method: http.MethodPost, Path: p + "/{slug}/history/{id}/undo", Tags: tag,
		Summary: "Undo a change", Errors: []int{http.StatusConflict}},
		programme.ActionEditProgrammes, func(ctx context.Context, in *undoInput) (*ChangeOutput, error) {
			res, err := s.st.Undo(ctx, in.Slug, in.ID, authorOf(ctx), programme.SourceAPI)
			if err != nil {
				return nil, s.problem(ctx, err, nil)
			}
			out := &ChangeOutput{}
			if res.Change != nil {
				out.Body = changeOf(*res.Change)
			}
			return out, nil
		})
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func changeOf(c store.Change) Change {
	out := Change{ID: c.ID, At: c.At.UTC(), Author: c.Author.Display(), Source: c.Source, Summary: c.Summary, UndoOf: c.UndoOf, Items: []ChangeItem{}}
	for _, it := range c.Items {
		out.Items = append(out.Items, ChangeItem{Kind: it.Ref.Kind, Key: it.Ref.Key, Action: it.Action, Title: it.Title, Lines: nonNil(it.Lines)})
	}
	return out
}

func (s *Server) putHeader(ctx context.Context, in *putProgrammeInput) (*CreatedItemOutput, error) {
	ref := programme.ItemRef{Kind: programme.KindProgramme, Key: in.Slug}
	if v, ok := in.Body["slug"]; ok && v != in.Slug {
		return nil, huma.NewError(http.StatusUnprocessableEntity, "The slug of a programme is its address: it cannot change.",
			&huma.ErrorDetail{Location: "body.slug", Message: "must be " + in.Slug, Value: v})
	}
	in.Body["slug"] = in.Slug
	p, err := s.st.Programme(ctx, in.Slug)
	if err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	expect, err := expectation(exchange.Revision(p, ref), in.IfMatch)
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(in.Body)
	batch, err := exchange.BatchOf(p, []exchange.ItemFragment{{Ref: ref, JSON: raw}})
	if err != nil {
		return nil, s.problem(ctx, err, bodyPath)
	}
	if _, err := s.st.Change(ctx, in.Slug, programme.ChangeRequest{Batch: batch, Expect: map[programme.ItemRef]string{ref: expect},
		Author: authorOf(ctx), Source: programme.SourceAPI}); err != nil {
		return nil, s.problem(ctx, err, bodyPath)
	}
	if p, err = s.st.Programme(ctx, in.Slug); err != nil {
		return nil, s.problem(ctx, err, nil)
	}
	return &CreatedItemOutput{Status: http.StatusOK, ETag: etag(exchange.Revision(p, ref)), Body: fragment(p, ref)}, nil
}

func (s *Server) importFile(ctx context.Context, in *importInput) (*ImportOutput, error) {
	p, _, err := exchange.DecodeOnto(bytes.NewReader(in.RawBody), func(slug string) (*programme.Programme, error) {
		p, err := s.st.Programme(ctx, slug)
		if programme.ErrorCode(err) == programme.ENOTFOUND {
			return nil, nil
		}
		return p, err
	})
	if err != nil {
		return nil, s.problem(ctx, err, func(path string) string { return "body." + path })
	}
	res, err := s.st.ImportChange(ctx, p, store.ImportOptions{DryRun: in.DryRun, Prune: in.Prune, Author: authorOf(ctx), Source: programme.SourceAPI})
	if err != nil {
		return nil, s.problem(ctx, err, func(path string) string { return "body." + path })
	}
	out := &ImportOutput{}
	b := &out.Body
	b.Slug, b.DryRun, b.Changed = p.Slug, in.DryRun, res.Report.Changed
	b.Created, b.Updated, b.Unchanged, b.Cancelled = res.Report.Created, res.Report.Updated, res.Report.Unchanged, res.Report.Cancelled
	b.Items = []ImportItem{}
	for _, it := range res.Report.Items {
		b.Items = append(b.Items, ImportItem{Kind: it.Kind, Key: it.Key, Action: it.Action, Title: it.Title})
	}
	if res.Change != nil && !in.DryRun {
		b.ChangeID = res.Change.ID
	}
	return out, nil
}
