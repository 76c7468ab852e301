// Package web is the HTTP face of the planner: an Echo server with its routes,
// middleware, central error handler, page renderer and embedded assets.
package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/planner-dev/planner/internal/feeds"
)

// Defaults and limits of the server.
const (
	// DefaultAddr is where the server listens when Config.Addr is empty. It is
	// the loopback interface so that a first run exposes nothing.
	DefaultAddr = "127.0.0.1:8080"

	// shutdownTimeout bounds how long Run waits for requests in flight.
	shutdownTimeout = 10 * time.Second
	// requestTimeout bounds every handler's context, and so every query.
	requestTimeout = 15 * time.Second
	// pingTimeout keeps /healthz quick when the database hangs, so that a
	// load balancer sees 503 rather than its own timeout.
	pingTimeout = 2 * time.Second
	// bodyLimit caps request bodies; a programme file is far smaller.
	bodyLimit = "2M"
)

// Config holds the server's settings. The zero value is usable.
type Config struct {
	// Addr is where the server listens, used for links when BaseURL is
	// empty; default DefaultAddr. The caller opens the listener (see Run).
	Addr string
	// BaseURL is the public base URL for absolute links, such as
	// https://planner.example.org; default http:// followed by Addr.
	BaseURL string
	// Logger receives request logs and errors; default discards them.
	Logger *slog.Logger
	// Now is the clock; default time.Now. Tests inject a fixed time.
	Now func() time.Time
	// Feeds serves calendar feeds and personal agenda pages by token; without it
	// every token is unknown.
	Feeds *feeds.Service

	// Accounts and Sessions serve the staff pages (staff_auth.go): logins,
	// and login sessions kept in the database. Without both, no staff
	// route is served.
	Accounts Accounts
	Sessions SessionStore

	// API serves everything under /api/v1 (package api), with its own
	// authentication, errors and body limits; nil serves no API.
	API http.Handler

	// TrustedProxies are the addresses of the reverse proxies or load
	// balancers in front: a request from one of them is taken to come from
	// the last address its X-Forwarded-For names that is not itself a
	// trusted proxy. Without them every request comes from its peer, and
	// forwarding headers, which anyone can send, are ignored. The login
	// throttle counts failures per client address (staff_auth.go): behind
	// a proxy that is not trusted, every client has the proxy's address.
	TrustedProxies []netip.Prefix

	// ShutdownDrain is how long Run goes on serving once its context is
	// done, with /healthz answering 503 and every connection closed after
	// its answer, before it shuts down (drain.go); 0 shuts down at once.
	// Behind a load balancer, make it longer than the balancer's idle
	// timeout of connections to the server.
	ShutdownDrain time.Duration

	// MailConfigured tells the staff mail page whether invitations leave
	// at all (PLANNER_SMTP_URL is set); without it the page says none do.
	MailConfigured bool
}

// Server is the planner's web server. Handlers are its methods, so that their
// dependencies are the fields below and nothing global.
type Server struct {
	e       *echo.Echo
	store   Store
	feeds   *feeds.Service
	log     *slog.Logger
	now     func() time.Time
	addr    string
	baseURL string
	// basePath is the path of baseURL without its final slash, such as
	// "/planner", or empty: every link a page writes starts with it.
	basePath string
	render   *renderer
	assets   *assets
	staff    *staffAuth // nil without Config.Accounts and Config.Sessions
	// changes is the write path of the staff pages: the Store, when it
	// implements Changes (the real one does; test fakes need not).
	changes Changes
	// mail is the invitations' outbox (staff_mail.go): the Store, when it
	// implements Mail; mailConfigured is Config.MailConfigured.
	mail           Mail
	mailConfigured bool
	// api serves /api/v1 (Config.API), or is nil.
	api http.Handler
	// shutdownDrain is Config.ShutdownDrain; draining is set while Run
	// drains (drain.go).
	shutdownDrain time.Duration
	draining      atomic.Bool

	// staleFeeds logs feeds served from memory during an outage.
	staleFeeds staleFeedLog
	// clientsGone counts requests whose client went away before the
	// answer (logged with status 499 at debug level, never as errors).
	clientsGone atomic.Int64
	// views keeps, per version of the programmes the feeds service
	// shares between requests (one loaded copy per version), the
	// directory of names, so that a page of a conference does not map its
	// thousands of people anew, and the items' views and HTML of the
	// agenda pages (item_cache.go).
	views viewCache
	// agendaRefresh renders an agenda page again in the background
	// (refreshAgenda), made once rather than per request; agendaRenders
	// counts the agenda pages rendered, by requests and in the background.
	agendaRefresh feeds.PageRender
	agendaRenders atomic.Int64
}

// ClientsGone returns how many requests this server has abandoned because
// their client went away first. They are not errors, and are counted apart.
func (s *Server) ClientsGone() int64 { return s.clientsGone.Load() }

// New builds the Echo instance, its middleware and routes. It panics only when
// the embedded templates do not parse, which is a bug caught by any test.
func New(cfg Config, st Store) *Server {
	s := &Server{
		store:   st,
		feeds:   cfg.Feeds,
		log:     cfg.Logger,
		now:     cfg.Now,
		addr:    cfg.Addr,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.addr == "" {
		s.addr = DefaultAddr
	}
	if s.baseURL == "" {
		s.baseURL = "http://" + s.addr
	}
	s.basePath = basePathOf(s.baseURL)
	s.assets = mustLoadAssets()
	s.render = mustParseTemplates(s.assets, s.basePath)
	if cfg.Accounts != nil && cfg.Sessions != nil {
		s.staff = newStaffAuth(s, cfg.Accounts, cfg.Sessions)
	}
	s.changes, _ = st.(Changes)
	s.mail, _ = st.(Mail)
	s.mailConfigured = cfg.MailConfigured
	s.api = cfg.API
	s.shutdownDrain = cfg.ShutdownDrain
	s.agendaRefresh = s.refreshAgenda

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	// Without an explicit extractor Echo trusts forwarding headers that any
	// client can forge; direct is right until a known proxy sits in front.
	e.IPExtractor = echo.ExtractIPDirect()
	if len(cfg.TrustedProxies) > 0 {
		// Echo trusts loopback, link-local and private addresses unless
		// told otherwise: only the configured ones are.
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, p := range cfg.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(prefixNet(p)))
		}
		e.IPExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	e.Renderer = s.render
	e.HTTPErrorHandler = s.httpErrorHandler
	s.e = e
	s.routes()
	return s
}

// prefixNet converts a prefix to the form Echo takes.
func prefixNet(p netip.Prefix) *net.IPNet {
	p = p.Masked()
	return &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}
}

// Handler returns the server as an http.Handler, for httptest and for
// wrapping: feeds that memory answers alone, then Echo for everything else.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if !s.serveFeedFromMemory(w, req) {
			s.e.ServeHTTP(w, req)
		}
	})
}

// Echo returns the underlying Echo instance so that other packages can add
// routes (calendar feeds, for one) behind the same middleware.
func (s *Server) Echo() *echo.Echo { return s.e }

// URL returns the absolute public URL of path, which must start with "/".
func (s *Server) URL(path string) string { return s.baseURL + path }

// Behind a reverse proxy that publishes the planner under a path, such as
// https://example.org/planner/, the proxy strips that path before the request
// reaches the server: routes match at the server's root (/p/:slug, not
// /planner/p/:slug), so that the same server answers directly and behind
// the proxy, and health checks need no prefix. Every link a page writes, on
// the other hand, starts with the base path, since the browser resolves it
// against the public address.

// path returns the root-relative link to path, which must start with "/",
// under the base path: "/planner/p/igf2016-cldp".
func (s *Server) path(path string) string { return s.basePath + path }

// basePathOf is the path of a base URL without its final slash: "/planner"
// for https://example.org/planner/, "" for https://example.org.
func basePathOf(baseURL string) string {
	u, err := url.Parse(baseURL)
	if err != nil {
		return ""
	}
	return strings.TrimRight(u.EscapedPath(), "/")
}

// Run serves on ln until ctx is done, then shuts down gracefully: it drains
// for Config.ShutdownDrain (drain.go), stops accepting connections and waits
// up to ten seconds for requests in flight. It returns nil after a clean
// shutdown.
func (s *Server) Run(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler: s.drainHandler(s.Handler()),
		// Slow clients must not hold connections open for ever.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      requestTimeout + 15*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	// Requests do not inherit ctx: cancelling it must let them finish
	// during the graceful shutdown rather than abort them at once.
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.log.Info("listening", "addr", ln.Addr().String(), "base_url", s.baseURL)

	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	if s.shutdownDrain > 0 {
		s.draining.Store(true)
		s.log.Info("draining before shutdown: /healthz answers 503 and connections close after each answer", "for", s.shutdownDrain)
		select {
		case err := <-errc:
			return fmt.Errorf("serve: %w", err)
		case <-time.After(s.shutdownDrain):
		}
	}

	sctx, cancel := context.WithTimeout(context.Background(), shutdownTimeout)
	defer cancel()
	err := srv.Shutdown(sctx)
	if err != nil {
		// Requests still running after the grace period are cut off.
		_ = srv.Close()
		err = fmt.Errorf("graceful shutdown: %w", err)
	}
	if serr := <-errc; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("serve: %w", serr)
	}
	s.log.Info("stopped")
	return err
}
