package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/spf13/cobra"

	"rascore/locate"
	"rascore/report"
)

func newLocateCmd() *cobra.Command {
	var (
		rf      readFlags
		asJSON  bool
		overlay string
	)
	cmd := &cobra.Command{
		Use:   "locate FILE...",
		Short: "Find the hands and place every SvdH joint (research use only)",
		Long: `locate finds each hand on a film (one or two), decides left or right from the anatomy
(the thumb side, for a PA view) with a confidence, and places the 22 Sharp/van der Heijde
joints of each hand with a confidence each. A joint the network cannot place, or one that
breaks the layout of a hand, is reported missing, not guessed.

Positions are film pixels (x right, y down, pixel centres at whole numbers) and, where the
file states its pixel spacing, mm. --overlay draws the film scaled so its longer side is 1400
pixels. A file that cannot be read gives one line on stderr naming it and the reason, the
other files are still done, and the exit code is 1; a film without a hand is not an error
("no hand found", exit 0). Research output, not for clinical use.`,
		Example: `  rascore locate film.dcm
  rascore locate --json films/*.dcm
  rascore locate --overlay sites.png film.dcm`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := rf.check(); err != nil {
				return err
			}
			loc, err := newLocator()
			if err != nil {
				return err
			}
			defer loc.Model.Close()
			failed := 0
			for _, path := range args {
				if err := locateOne(cmd, loc, path, &rf, asJSON, overlay, len(args) > 1); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "%s: %v\n", path, err)
					failed++
				}
			}
			if failed > 0 {
				return errQuiet{fmt.Errorf("%d of %d files failed", failed, len(args))}
			}
			return nil
		},
	}
	rf.register(cmd)
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per file")
	cmd.Flags().StringVar(&overlay, "overlay", "",
		"write a PNG of the film with the joints drawn (a folder when several files)")
	return cmd
}

// locateOutput is the JSON of one file.
type locateOutput struct {
	File   string         `json:"file"`
	SHA256 string         `json:"sha256"`
	Note   string         `json:"note"`
	Result *locate.Result `json:"result"`
	Error  string         `json:"error,omitempty"`
}

func locateOne(cmd *cobra.Command, loc *locate.Locator, path string, rf *readFlags,
	asJSON bool, overlay string, many bool) error {
	data, rg, err := readInput(path, rf)
	if err != nil {
		return err
	}
	res, err := loc.Locate(rg)
	if err != nil && !errors.Is(err, locate.ErrNoHand) {
		return err
	}
	out := locateOutput{File: path, SHA256: sha256Hex(data), Result: res,
		Note: "research output, not for clinical use"}
	if err != nil {
		out.Error = err.Error()
	}
	if overlay != "" {
		dst := overlay
		if many {
			dst = filepath.Join(overlay, out.SHA256[:16]+".png")
		}
		if err := writePNG(dst, report.LocateOverlay(rg, res, 1400).Img); err != nil {
			return err
		}
	}
	w := cmd.OutOrStdout()
	if asJSON {
		b, _ := json.Marshal(out)
		fmt.Fprintln(w, string(b))
		return nil
	}
	if len(res.Hands) == 0 {
		fmt.Fprintf(w, "%s: no hand found\n", path)
		return nil
	}
	for i, h := range res.Hands {
		placed := 0
		for _, j := range h.Joints {
			if !j.Missing {
				placed++
			}
		}
		fmt.Fprintf(w, "%s: hand %d of %d: %s (confidence %.2f), %d of %d joints placed",
			path, i+1, len(res.Hands), sideName(string(h.Laterality)), h.LateralityConfidence,
			placed, len(h.Joints))
		for _, warn := range h.Warnings {
			fmt.Fprintf(w, "; %s", warn)
		}
		fmt.Fprintln(w)
	}
	return nil
}

func sideName(s string) string {
	switch s {
	case "L":
		return "left"
	case "R":
		return "right"
	}
	return "laterality unknown"
}

// newLocator loads the shipped locator with the default settings.
func newLocator() (*locate.Locator, error) {
	model, err := locate.LoadDefault()
	if err != nil {
		return nil, err
	}
	return &locate.Locator{Model: model, Settings: locate.DefaultSettings()}, nil
}
