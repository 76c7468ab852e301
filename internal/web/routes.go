package web

import (
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/planner-dev/planner/internal/programme"
)

// routes registers the middleware and every route of the server. All routes
// live here so that the whole surface of the application is on one page.
func (s *Server) routes() {
	e, get := s.e, s.get
	e.Use(
		requestID(),
		s.requestLogger(),
		recoverPanics(),
		middleware.SecureWithConfig(secureHeaders),
		middleware.BodyLimit(bodyLimit),
		// ContextTimeout only cancels the request's context; the older
		// Timeout middleware has data races.
		middleware.ContextTimeout(requestTimeout),
	)

	get("/healthz", s.handleHealthGet)
	get("/", s.handleProgrammeList)
	get("/p/:slug", s.handleProgrammeShow)
	get("/static/:name", s.handleStaticGet)

	// Calendar feeds and personal agenda pages are reached by secret token alone.
	get("/feeds/:file", s.handleFeedGet)
	get("/a/:token", s.handlePersonalShow)
	get("/a/:token/qr.png", s.handlePersonalQR)

	// Staff pages: a login session, CSRF tokens and a role check on each
	// (staff_auth.go).
	if s.staff != nil {
		staff := e.Group(staffHome, s.staffMiddleware()...)
		staff.Match(getMethods, "/login", s.handleLoginShow)
		staff.POST("/login", s.handleLoginCreate)
		staff.POST("/logout", s.handleLogout)
		staff.Match(getMethods, "", s.handleStaffHome, s.requireRole(programme.ActionViewProgrammes))
		staff.Match(getMethods, "/p/:slug", s.handleStaffOverview, s.requireRole(programme.ActionViewProgrammes))
		staff.POST("/edit-check", s.handleEditCheck, s.requireRole(programme.ActionEditProgrammes))

		// A programme's day view, feed links and printouts
		// (staff_days.go, staff_feeds.go, staff_print.go).
		view, manageFeeds := s.requireRole(programme.ActionViewProgrammes), s.requireRole(programme.ActionManageFeeds)
		staff.GET("/p/:slug/day/:date", s.handleDayShow, view)
		staff.GET("/p/:slug/feeds", s.handleStaffFeedList, view)
		staff.POST("/p/:slug/feeds/:kind/:key/rotate", s.handleStaffFeedRotate, manageFeeds)
		staff.POST("/p/:slug/feeds/:kind/:key/revoke", s.handleStaffFeedRevoke, manageFeeds)
		staff.GET("/p/:slug/print", s.handlePrintIndex, view)
		staff.GET("/p/:slug/print/delegations/:key", s.handlePrintDelegation, view)
		// Welcome sheets carry each delegate's secret link, as a QR code.
		staff.GET("/p/:slug/print/welcome", s.handlePrintWelcome, manageFeeds)
		staff.GET("/p/:slug/print/welcome/:person", s.handlePrintWelcome, manageFeeds)
	}
}

// getMethods are answered by every readable route: monitors and link checkers
// send HEAD. net/http sends a HEAD the headers of the GET (the length too,
// when the handler wrote the whole body into its buffer) and drops the body.
var getMethods = []string{http.MethodGet, http.MethodHead}

// get registers a route for GET and HEAD.
func (s *Server) get(path string, h echo.HandlerFunc) { s.e.Match(getMethods, path, h) }
