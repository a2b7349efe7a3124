// Command rascore reads hand radiographs, finds their Sharp/van der Heijde joints and scores
// them.
//
// Output is research output, not for clinical use.
package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/spf13/cobra"

	"rascore/ort"
	"rascore/read"
)

// version and commitID are set at build time with -ldflags "-X main.version=…".
var (
	version  = "dev"
	commitID = ""
)

func main() {
	if err := newRootCmd().Execute(); err != nil {
		var quiet errQuiet
		if !errors.As(err, &quiet) {
			fmt.Fprintln(os.Stderr, "rascore:", err)
		}
		os.Exit(1)
	}
}

func newRootCmd() *cobra.Command {
	var logLevel string
	root := &cobra.Command{
		Use:   "rascore",
		Short: "Read hand radiographs and score their Sharp/van der Heijde sites (research use)",
		Long: `rascore reads hand radiographs (DICOM, PNG, JPEG, TIFF), finds each hand and its
Sharp/van der Heijde joint sites, and grades joint space narrowing and erosions at each site
(rascore score, rascore batch); the model cards in models/ say what the networks saw. It also
renders phantoms with exact ground truth, writes training shards, and measures itself against
ground truth.

Output is research output, not for clinical use.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			var level slog.Level
			if err := level.UnmarshalText([]byte(logLevel)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr,
				&slog.HandlerOptions{Level: level})))
			return nil
		},
	}
	root.PersistentFlags().StringVar(&logLevel, "log-level", "warn",
		"log level: debug, info, warn or error")
	root.AddCommand(newVersionCmd(), newInspectCmd())
	addMoreCommands(root)
	return root
}

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and the libraries found",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "rascore %s (commit %s)\n", version, commit())
			fmt.Fprintf(out, "GDCM %s\n", read.GDCMVersion())
			if v, err := ort.Init(); err != nil {
				fmt.Fprintf(out, "ONNX Runtime: none: %v\n", err)
			} else {
				path, _ := ort.LibraryPath()
				fmt.Fprintf(out, "ONNX Runtime %s (%s)\n", v, path)
			}
			return nil
		},
	}
}

// commit is the build's VCS revision: the one the build script stamped, else the one the Go
// toolchain recorded.
func commit() string {
	if commitID != "" {
		return commitID
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return s.Value[:12]
		}
	}
	return "unknown"
}
