// Command gen writes a large programme file for the load script: the built-in
// demo with its sessions and transport runs repeated, each copy two weeks
// after the previous one, under a slug of its own so that it can sit beside
// the demo in one database.
//
//	go run ./bench/gen -scale 20 > large.json
//
// It is a benchmark tool: nothing imports it, and the planner never runs it.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/planner-dev/planner/internal/demo"
	"github.com/planner-dev/planner/internal/exchange"
	"github.com/planner-dev/planner/internal/programme"
	"github.com/planner-dev/planner/internal/sample"
)

func main() {
	scale := flag.Int("scale", 20, "how many copies of the demo's sessions and runs")
	slug := flag.String("slug", "", "slug of the programme (default: the demo's slug with -xSCALE)")
	flag.Parse()
	if err := run(*scale, *slug); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(scale int, slug string) error {
	if scale < 1 {
		return fmt.Errorf("-scale is %d: it must be at least 1", scale)
	}
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
