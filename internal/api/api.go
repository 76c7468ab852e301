// Package api is the planner's HTTP API under /api/v1: every item of a
// programme by its key, as the programme file writes it, read and changed
// by staff scripts with API tokens. Its OpenAPI 3.1 document is generated
// from the operations' Go types by huma, so that the document and the code
// cannot disagree; errors are RFC 9457 problem details.
//
// Writes go through store.Change, the one write path of the staff pages
// and the importer, so the API validates exactly as they do.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
)

// Prefix is where the API is mounted; every operation's path starts with it.
const Prefix = "/api/v1"

// Body limits: an item is small, and a programme file is at most
// exchange.MaxFileBytes (the import endpoint's limit).
const (
	maxItemBytes   = 2 << 20
	maxImportBytes = 8 << 20
)

// RetryAfterSeconds is the Retry-After of a 503 (the database is
// unavailable): a restart or failover takes a few seconds.
const RetryAfterSeconds = "5"

// Config is what the API needs.
type Config struct {
	Store *store.Store
	// Feeds lists, rotates and revokes feed links; without it the feed
	// operations answer 404.
	Feeds  *feeds.Service
	Logger *slog.Logger
}

// Server is the API: an http.Handler for the paths under Prefix.
type Server struct {
	st    *store.Store
	feeds *feeds.Service
	log   *slog.Logger
	api   huma.API
	mux   *http.ServeMux
	// current reads a programme as the database holds it now, for
	// reading only: the feeds' shared copy when there is a feeds service
	// (no query while its memory is current and the version is loaded
	// already; see feeds.Service.Current), else a fresh load.
	current func(ctx context.Context, slug string) (*programme.Programme, error)
	// lists keeps the lists' encoded bodies (lists.go).
	lists *listCache
	// now is the clock of what depends on it: which sessions a feed
	// still holds.
	now func() time.Time
}

// New builds the API with every operation registered.
func New(cfg Config) *Server {
	s := &Server{st: cfg.Store, feeds: cfg.Feeds, log: cfg.Logger, mux: http.NewServeMux(),
		current: cfg.Store.Programme, lists: newListCache(listCacheBytes), now: time.Now}
	if s.feeds != nil {
		s.current = s.feeds.Current
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	hc := huma.DefaultConfig("planner API", "1")
	hc.Info.Description = "Programmes of visiting delegations, item by item, keyed as in the programme file."
	hc.OpenAPIPath = Prefix + "/openapi"
	hc.DocsPath = ""
	hc.SchemasPath = Prefix + "/schemas"
	hc.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token from `planner token create`."},
	}
	hc.Security = []map[string][]string{{"bearer": {}}}
	s.api = humago.New(s.mux, hc)
	s.api.UseMiddleware(s.authenticate)
	s.registerProgrammes()
	s.registerItems()
	s.registerFeeds()
	s.registerTokens()
	return s
}

// ServeHTTP serves the API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// OpenAPI returns the API's OpenAPI document.
func (s *Server) OpenAPI() *huma.OpenAPI { return s.api.OpenAPI() }

// caller is who a request acts for: a token and its owner.
type caller struct {
	token store.APIToken
	user  *programme.User
}

type callerKey struct{}

// actionOf is the metadata key of the action an operation needs.
const actionOf = "planner-action"

// authenticate checks the bearer token of every operation and the role its
// owner needs for the operation's action (a missing token is 401, a role
// that may not is 403), and hands the caller to the handler.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	action, _ := ctx.Operation().Metadata[actionOf].(programme.Action)
	scheme, secret, _ := strings.Cut(ctx.Header("Authorization"), " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="planner"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "Send an API token: Authorization: Bearer plnr_…")
		return
	}
	tok, u, err := s.st.APITokenUser(ctx.Context(), strings.TrimSpace(secret))
	if err != nil {
		if programme.ErrorCode(err) == programme.ENOTFOUND {
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="planner", error="invalid_token"`)
			_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "The API token is unknown or revoked.")
			return
		}
		s.writeErr(ctx, err)
		return
	}
	if action == "" || !programme.Can(u.Role, action) {
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden, "The role "+string(u.Role)+" may not do this.")
		return
	}
	next(huma.WithValue(ctx, callerKey{}, &caller{token: tok, user: u}))
}

func (s *Server) writeErr(ctx huma.Context, err error) {
	var se huma.StatusError
	p := s.problem(ctx.Context(), err, nil)
	if !errors.As(p, &se) {
		se = huma.Error500InternalServerError("Internal error.")
	}
	var he huma.HeadersError
	if errors.As(p, &he) {
		for name, values := range he.GetHeaders() {
			for _, v := range values {
				ctx.AppendHeader(name, v)
			}
		}
	}
	_ = huma.WriteErr(s.api, ctx, se.GetStatus(), se.Error(), errorDetails(se)...)
}

func errorDetails(se huma.StatusError) []error {
	m, ok := se.(*huma.ErrorModel)
	if !ok {
		return nil
	}
	out := make([]error, len(m.Errors))
	for i, d := range m.Errors {
		out[i] = d
	}
	return out
}

// authorOf is how the change log names the caller: the account, and the
// token it used.
func authorOf(ctx context.Context) programme.Author {
	c, _ := ctx.Value(callerKey{}).(*caller)
	if c == nil {
		return programme.Author{Name: "API"}
	}
	a := programme.Author{UserID: c.user.ID, Name: c.user.Name, Email: c.user.Email}
	a.Name = a.Display() + " (token “" + c.token.Name + "”)"
	return a
}

// problem turns a domain error into a problem detail: EINVALID is 422 with
// a detail for each field (at, when given, turns a file path of the batch
// into a location in the request body), ENOTFOUND 404, a stale revision
// 412 (it only arises from If-Match), another ECONFLICT 409, EUNAVAILABLE
// 503; anything else is logged and answered 500 without its detail.
func (s *Server) problem(ctx context.Context, err error, at func(string) string) error {
	var e *programme.Error
	if !errors.As(err, &e) {
		s.log.ErrorContext(ctx, "api", "err", err)
		return huma.Error500InternalServerError("Internal error.")
	}
	switch e.Code {
	case programme.EINVALID:
		details := make([]error, len(e.Fields))
		for i, f := range e.Fields {
			loc := "body"
			if f.Path != "" {
				loc = "body." + f.Path
				if at != nil {
					loc = at(f.Path)
				}
			}
			details[i] = &huma.ErrorDetail{Message: f.Msg, Location: loc}
		}
		return huma.NewError(http.StatusUnprocessableEntity, e.Message, details...)
	case programme.ENOTFOUND:
		return huma.Error404NotFound(e.Message)
	case programme.ECONFLICT:
		var st *programme.Stale
		if errors.As(err, &st) {
			return huma.Error412PreconditionFailed(programme.StaleError(st).Message)
		}
		return huma.Error409Conflict(e.Message)
	case programme.EUNAVAILABLE:
		// The database is restarting or out of reach: a script should
		// wait a moment and send the same request again.
		return huma.ErrorWithHeaders(huma.Error503ServiceUnavailable(e.Message),
			http.Header{"Retry-After": {RetryAfterSeconds}})
	}
	s.log.ErrorContext(ctx, "api", "err", err)
	return huma.Error500InternalServerError("Internal error.")
}

// register adds an operation that needs action, with the body limit and
// the errors every operation may answer.
func register[I, O any](s *Server, op huma.Operation, action programme.Action, h func(context.Context, *I) (*O, error)) {
	op.Metadata = map[string]any{actionOf: action}
	if op.MaxBodyBytes == 0 {
		op.MaxBodyBytes = maxItemBytes
	}
	// 503: the database is unavailable (restarting); the answer has
	// Retry-After.
	op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusUnprocessableEntity,
		http.StatusServiceUnavailable)
	huma.Register(s.api, op, h)
	if op.Method == http.MethodPut {
		// A PUT that creates answers 201 with the same body as a 200.
		put := s.api.OpenAPI().Paths[op.Path].Put
		created := *put.Responses["200"]
		created.Description = "Created"
		put.Responses["201"] = &created
	}
}

// timeOrNil formats an optional instant.
func timeOrNil(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
