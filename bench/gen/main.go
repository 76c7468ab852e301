// Command gen writes a large programme file for the load script. By default
// it is a conference (see package bench/large): 2,000 people in 60
// delegations, 400 sessions over 6 days in 12 rooms, 2,000 speaker slots and
// 60 transport runs, each count settable. With -demo-scale N it is instead
// the built-in demo with its sessions and transport runs repeated N times,
// each copy two weeks after the previous one. Either has a slug of its own,
// so that it can sit beside the demo in one database.
//
//	go run ./bench/gen > conference.json
//	go run ./bench/gen -people 8000 -delegations 240 -sessions 1600 -rooms 48 > larger.json
//	go run ./bench/gen -demo-scale 20 > x20.json
//
// It is a benchmark tool: nothing imports it, and the planner never runs it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/planner-dev/planner/bench/large"
	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

func main() {
	c := large.Conference
	scale := flag.Int("demo-scale", 0, "write the demo repeated this many times instead of a conference")
	slug := flag.String("slug", "", "slug of the programme (default: "+c.Slug+", or the demo's slug with -xSCALE)")
	flag.IntVar(&c.People, "people", c.People, "people, spread over the delegations")
	flag.IntVar(&c.Delegations, "delegations", c.Delegations, "delegations")
	flag.IntVar(&c.Sessions, "sessions", c.Sessions, "sessions")
	flag.IntVar(&c.Days, "days", c.Days, "days the sessions spread over (six 90-minute periods a day)")
	flag.IntVar(&c.Rooms, "rooms", c.Rooms, "rooms")
	flag.IntVar(&c.SlotsPerSession, "slots", c.SlotsPerSession, "speaker slots per session, one speaker each")
	flag.IntVar(&c.Runs, "runs", c.Runs, "transport runs")
	flag.IntVar(&c.AudiencePerSession, "audience", c.AudiencePerSession, "delegations per session")
	flag.Parse()
	var err error
	if *scale > 0 {
		err = runDemo(*scale, *slug)
	} else {
		if *slug != "" {
			c.Slug = *slug
		}
		var p *programme.Programme
		if p, err = large.Generate(c); err == nil {
			err = exchange.Encode(os.Stdout, p)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func runDemo(scale int, slug string) error {
	p, _, err := exchange.Decode(bytes.NewReader(demo.JSON))
	if err != nil {
		return fmt.Errorf("the demo programme: %w", err)
	}
	if slug == "" {
		slug = fmt.Sprintf("%s-x%d", p.Slug, scale)
	}
	big, err := sample.Scaled(p, scale)
	if err != nil {
		return err
	}
	big.Slug = slug
	big.Title = fmt.Sprintf("%s (%d× larger)", p.Title, scale)
	if errs := programme.Validate(big); len(errs) > 0 {
		return errs.Err("the scaled programme is invalid")
	}
	return exchange.Encode(os.Stdout, big)
}
