package matrix

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
)

// palette gives each server a fixed colour: netloop's engines in strong
// blues, the peers in distinct other hues.
var palette = map[string]string{
	"netloop-reactor":   "#1f4e9c",
	"netloop-proactor":  "#4f8fe0",
	"netloop-goroutine": "#8fb8ee",
	"gnet":              "#e07b22",
	"nbio":              "#2e9c4a",
	"netpoll":           "#b0399b",
	"fasthttp":          "#c9a400",
	"std":               "#7a7a7a",
}

var spareColours = []string{"#8c564b", "#17becf", "#bcbd22", "#d62728"}

// WriteSVG draws one group of bars per scenario, one bar per server, each
// bar's height relative to the best result in its scenario (so scenarios
// measured in different units share one axis); the bar is labelled with its
// absolute value. The SVG is written by hand: no plotting dependency.
func WriteSVG(w io.Writer, title string, results []Result) {
	type group struct {
		s    Scenario
		bars []Result
		best float64
	}
	var groups []*group
	var servers []string
	for _, r := range results {
		if !r.OK() {
			continue
		}
		if len(groups) == 0 || groups[len(groups)-1].s.Name != r.Scenario.Name {
			groups = append(groups, &group{s: r.Scenario})
		}
		g := groups[len(groups)-1]
		g.bars = append(g.bars, r)
		if g.s.HigherIsBetter() {
			g.best = math.Max(g.best, r.Value())
		} else if v := r.Value(); v > 0 && (g.best == 0 || v < g.best) {
			g.best = v
		}
		if !slices.Contains(servers, r.Server) {
			servers = append(servers, r.Server)
		}
	}
	colour := map[string]string{}
	spare := 0
	for _, s := range servers {
		if c, ok := palette[s]; ok {
			colour[s] = c
		} else {
			colour[s] = spareColours[spare%len(spareColours)]
			spare++
		}
	}

	const (
		barW, gap          = 16, 28
		left, top, plotH   = 56, 78, 240
		bottom             = 60
		labelFont, axisFnt = 9, 10
	)
	// A group is at least wide enough for its name and unit.
	groupW := func(g *group) int { return max(len(g.bars)*barW, 104) }
	width := left + 20
	for _, g := range groups {
		width += groupW(g) + gap
	}
	width = max(width, 640)
	height := top + plotH + bottom
	fmt.Fprintf(w, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif">`+"\n", width, height, width, height)
	fmt.Fprintf(w, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(w, `<text x="%d" y="20" font-size="14" font-weight="bold">%s</text>`+"\n", left, html.EscapeString(title))

	// Legend.
	x := left
	for _, s := range servers {
		fmt.Fprintf(w, `<rect x="%d" y="32" width="12" height="12" fill="%s"/><text x="%d" y="42" font-size="%d">%s</text>`+"\n",
			x, colour[s], x+16, axisFnt+1, html.EscapeString(s))
		x += 16 + 7*len(s) + 18
	}

	// Axis and grid: percent of the best result in each scenario.
	y0 := top + plotH
	for _, pct := range []int{0, 25, 50, 75, 100} {
		y := y0 - plotH*pct/100
		fmt.Fprintf(w, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#ddd"/><text x="%d" y="%d" font-size="%d" text-anchor="end">%d%%</text>`+"\n",
			left, y, width-10, y, left-4, y+3, axisFnt, pct)
	}
	fmt.Fprintf(w, `<text x="12" y="%d" font-size="%d" transform="rotate(-90 12 %d)" text-anchor="middle">relative to the best in each scenario</text>`+"\n",
		top+plotH/2, axisFnt, top+plotH/2)

	x = left + 10
	for _, g := range groups {
		gw := groupW(g)
		x0 := x + (gw-len(g.bars)*barW)/2
		for i, r := range g.bars {
			// Taller is better in every group: where lower values win
			// (memory), the bar is best ÷ value.
			rel := 0.0
			if g.best > 0 && r.Value() > 0 {
				if g.s.HigherIsBetter() {
					rel = r.Value() / g.best
				} else {
					rel = g.best / r.Value()
				}
			}
			h := int(math.Round(math.Min(rel, 1.0) * plotH))
			bx := x0 + i*barW
			fmt.Fprintf(w, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%s %s: %s %s</title></rect>`+"\n",
				bx, y0-h, barW-2, h, colour[r.Server], html.EscapeString(g.s.Name), html.EscapeString(r.Server), number(r.Value()), g.s.Unit())
			ly := y0 - h - 3
			fmt.Fprintf(w, `<text x="%d" y="%d" font-size="%d" transform="rotate(-90 %d %d)">%s</text>`+"\n",
				bx+barW/2+3, ly, labelFont, bx+barW/2+3, ly, short(r.Value()))
		}
		cx := x + gw/2
		fmt.Fprintf(w, `<text x="%d" y="%d" font-size="%d" text-anchor="middle">%s</text>`+"\n", cx, y0+14, axisFnt, html.EscapeString(g.s.Name))
		note := g.s.Unit()
		if !g.s.HigherIsBetter() {
			note += ", lower wins"
		}
		fmt.Fprintf(w, `<text x="%d" y="%d" font-size="%d" text-anchor="middle" fill="#555">%s</text>`+"\n", cx, y0+26, labelFont, html.EscapeString(note))
		x += gw + gap
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" font-size="%d" fill="#555">Bar height: result relative to the best in its scenario (where lower wins, best ÷ result). Labels: absolute values.</text>`+"\n",
		left, height-10, labelFont)
	fmt.Fprintln(w, "</svg>")
}

// short formats v compactly for a bar label: 1.23M, 456k, 789.
func short(v float64) string {
	switch a := math.Abs(v); {
	case a >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case a >= 1e4:
		return fmt.Sprintf("%.0fk", v/1e3)
	case a >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}
