package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"

	"github.com/urfave/cli/v3"

	"github.com/planner-dev/planner/internal/accounts"
	"github.com/planner-dev/planner/internal/api"
	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/feeds"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/store"
	"github.com/planner-dev/planner/internal/web"
)

func (a *app) serveCommand(from func(string) cli.ValueSourceChain) *cli.Command {
	return &cli.Command{
		Name:  "serve",
		Usage: "run the web server",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "addr", Usage: "listen address", Value: "127.0.0.1:8080", Sources: from("PLANNER_ADDR")},
			&cli.BoolFlag{Name: "demo", Usage: "import the built-in demo programme before serving"},
			&cli.DurationFlag{Name: "shutdown-drain", Usage: "on SIGTERM, go on serving this long with /healthz answering 503 " +
				"and connections closed after each answer, then stop (behind a load balancer: longer than its idle timeout)", Sources: from("PLANNER_SHUTDOWN_DRAIN")},
			&cli.StringFlag{Name: "trusted-proxies", Usage: "comma-separated addresses or CIDR ranges of the reverse proxies in front, " +
				"whose X-Forwarded-For names the client (for the login throttle)", Sources: from("PLANNER_TRUSTED_PROXIES")},
			&cli.BoolFlag{Name: "no-migrate", Usage: "apply no migrations: refuse to start if the database lacks some " +
				"(for several instances on one database, after one `planner migrate`)", Sources: from("PLANNER_NO_MIGRATE")},
		}, keyFlags(from)...),
		Action: func(ctx context.Context, cmd *cli.Command) error {
			base, err := baseURL(cmd)
			if err != nil {
				return err
			}
			proxies, err := parseTrustedProxies(cmd.String("trusted-proxies"))
			if err != nil {
				return err
			}
			mail, err := mailSettings(a.getenv) // outbox.go
			if err != nil {
				return err
			}
			var st *store.Store
			if cmd.Bool("no-migrate") {
				st, err = a.openMigratedStore(ctx, cmd)
			} else {
				st, err = a.openStore(ctx, cmd)
			}
			if err != nil {
				return err
			}
			defer st.Close()
			staff := accounts.New(st)
			var demoPassword string
			// Serving finds feeds by their tokens' hashes and needs no key;
			// only --demo prints a feed's URL.
			keys, err := a.feedKeys(ctx, cmd, st, !cmd.Bool("demo"))
			if err != nil {
				return err
			}
			if cmd.Bool("demo") {
				if err := a.importDemo(ctx, st); err != nil {
					return err
				}
				if demoPassword, err = staff.EnsureDemoAdmin(ctx); err != nil {
					return err
				}
			}
			ln, err := net.Listen("tcp", cmd.String("addr"))
			if err != nil {
				return fmt.Errorf("cannot listen on %s: %w", cmd.String("addr"), err)
			}
			local, guessed, err := reachableURL(ln.Addr())
			if err != nil && cmd.IsSet("base-url") {
				local, guessed, err = base, false, nil
			}
			if err != nil {
				ln.Close()
				return usageError{fmt.Errorf("the server listens on every interface (%s) and this machine's address "+
					"cannot be found (%v): set --base-url (PLANNER_BASE_URL) to the address people reach it at", cmd.String("addr"), err)}
			}
			if !cmd.IsSet("base-url") {
				// Without a public address, links point where the server
				// really listens, so that a port of :0 or 9000 still works.
				base = local
				if guessed {
					a.logger.Warn("PLANNER_BASE_URL is not set and the server listens on every interface: "+
						"feed and agenda links use this machine's address; set --base-url (PLANNER_BASE_URL) "+
						"if people reach it at another", "links", base)
				}
			}
			svc := feeds.NewService(st, keys, base, a.now)
			// Logins, accounts and API tokens answer from memory while the
			// feeds' memory, which the watch below keeps current, is
			// (store/authmemory.go).
			st.RememberAuth(svc.ChangeStamp)
			tuneGC(a.getenv)
			// Calendar invitations by e-mail (outbox.go), when a mail server is set.
			defer a.startMail(ctx, mail, st, svc, keys != nil)()
			srv := web.New(web.Config{
				BaseURL: base,
				Logger:  a.logger,
				Now:     a.now,
				Feeds:   svc,
				// Staff accounts and login sessions (user.go, web/staff_auth.go).
				Accounts: staff,
				Sessions: st,
				// The API under /api/v1, for scripts with API tokens (token.go).
				API: api.New(api.Config{Store: st, Feeds: svc, Logger: a.logger}),
				// The staff mail page says when no mail is sent (outbox.go).
				MailConfigured: mail.on,
				// A load balancer's connections close before the server stops (web/drain.go).
				ShutdownDrain: cmd.Duration("shutdown-drain"),
				// Clients' addresses behind a load balancer (web/server.go).
				TrustedProxies: proxies,
			}, st)
			var agenda string
			if cmd.Bool("demo") {
				if agenda, err = demoAgenda(ctx, svc); err != nil {
					ln.Close()
					return err
				}
			}
			if cmd.Bool("demo") {
				fmt.Fprintf(a.stdout, "planner: the demo programme is at %s/p/%s\n", local, demo.Slug)
				if agenda != "" {
					fmt.Fprintf(a.stdout, "planner: a delegate's agenda, as on their phone: %s\n", agenda)
				}
				fmt.Fprintf(a.stdout, "planner: every feed and agenda link: %s feeds %s\n", a.self, demo.Slug)
				if demoPassword != "" {
					// Shown this once: only its hash is stored.
					fmt.Fprintf(a.stdout, "planner: staff log in at %s/staff/login as %s with the password %s (shown once)\n",
						local, accounts.DemoAdminEmail, demoPassword)
				}
			}
			// The watch keeps what the feeds answer from memory current
			// with the database, whichever process (planner feeds, other
			// servers) changes it, and writes fetch records in batches.
			watchCtx, stopWatch := context.WithCancel(ctx)
			watching := make(chan struct{})
			go func() {
				defer close(watching)
				svc.Watch(watchCtx, a.logger)
			}()
			defer func() { stopWatch(); <-watching }()
			// The last line: what scripts and tests wait for.
			fmt.Fprintf(a.stdout, "planner: serving %s database on %s/\n", st.Dialect(), local)
			return srv.Run(ctx, ln)
		},
	}
}

// parseTrustedProxies reads --trusted-proxies: addresses (one host each) and
// CIDR ranges, separated by commas.
func parseTrustedProxies(text string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(text, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if p, err := netip.ParsePrefix(f); err == nil {
			out = append(out, p.Masked())
			continue
		}
		ip, err := netip.ParseAddr(f)
		if err != nil || ip.Zone() != "" {
			return nil, usageError{fmt.Errorf("--trusted-proxies: %q is neither an IP address nor a CIDR range such as 10.0.0.0/8", f)}
		}
		ip = ip.Unmap()
		out = append(out, netip.PrefixFrom(ip, ip.BitLen()))
	}
	return out, nil
}

// demoAgenda returns the agenda page of one delegate of the demo, the phone
// view that the links of `planner feeds` lead to, creating feed tokens as
// `planner feeds` does. It is empty when that feed was revoked.
func demoAgenda(ctx context.Context, svc *feeds.Service) (string, error) {
	list, err := svc.List(ctx, demo.Slug, true)
	if err != nil {
		return "", err
	}
	for _, l := range list {
		if l.Kind == programme.FeedPerson && l.Key == demo.Delegate && l.URL != "" {
			return strings.Replace(strings.TrimSuffix(l.URL, ".ics"), "/feeds/", "/a/", 1), nil
		}
	}
	// Staff revoked it: there is nothing to show, and nothing wrong.
	return "", nil
}

// interfaceAddrs lists this machine's addresses; tests replace it.
var interfaceAddrs = upInterfaceAddrs

// upInterfaceAddrs lists the addresses of the network interfaces that are
// up, in the system's order of interfaces: an address of an interface that is
// down reaches nobody.
func upInterfaceAddrs() ([]net.Addr, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []net.Addr
	for _, iface := range ifaces {
		if iface.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := iface.Addrs()
		if err != nil {
			return nil, err
		}
		out = append(out, addrs...)
	}
	return out, nil
}

// reachableURL returns the http:// URL of a server listening at addr. An
// address that names every interface (0.0.0.0, ::) is no place to send a
// browser or a calendar to, so the URL names this machine's first address
// that is neither loopback nor link-local, IPv4 first; a machine with no such
// address can be reached on loopback only, so it names 127.0.0.1. guessed
// reports that the host was chosen this way.
func reachableURL(addr net.Addr) (url string, guessed bool, err error) {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return "", false, err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		return "http://" + addr.String(), false, nil
	}
	addrs, err := interfaceAddrs()
	if err != nil {
		return "", false, err
	}
	var v4, v6 net.IP
	for _, a := range addrs {
		n, ok := a.(*net.IPNet)
		if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() || !n.IP.IsGlobalUnicast() {
			continue
		}
		if n.IP.To4() != nil && v4 == nil {
			v4 = n.IP
		} else if n.IP.To4() == nil && v6 == nil {
			v6 = n.IP
		}
	}
	chosen := net.IPv4(127, 0, 0, 1)
	switch {
	case v4 != nil:
		chosen = v4
	case v6 != nil:
		chosen = v6
	}
	return "http://" + net.JoinHostPort(chosen.String(), port), true, nil
}

// serveGCPercent and serveMemoryLimit tune the garbage collector of
// `planner serve` unless GOGC or GOMEMLIMIT say otherwise. Most of the
// server's heap is long-lived: the feed bodies it keeps (every feed of a
// 2,000-person conference, plain and gzip, about 100 MB) and the programme.
// Go's default lets the heap grow to twice that before collecting, which
// took the process past 250 MB. At 50, and with a soft limit that makes
// the runtime collect (and return memory) sooner as the process nears it,
// it stays under 200 MB. A steady stream of polls allocates little, so the
// extra collections cost next to nothing. The limit is soft: a larger
// programme whose live heap needs more gets it, at the cost of more
// frequent collections (GOMEMLIMIT raises it).
const (
	serveGCPercent   = 50
	serveMemoryLimit = 180 << 20
)

// tuneGC sets serveGCPercent and serveMemoryLimit, unless the environment
// sets GOGC or GOMEMLIMIT: those are the operator's choice.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") != "" || getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(serveGCPercent)
	debug.SetMemoryLimit(serveMemoryLimit)
}
