package main

import "github.com/spf13/cobra"

// addMoreCommands registers the pipeline commands that live in their own files.
func addMoreCommands(root *cobra.Command) {
	root.AddCommand(newPhantomCmd(), newDatasetCmd(), newLocateCmd(), newEvalCmd(),
		newBenchCmd(), newScoreCmd(), newBatchCmd(), newServeCmd(), newKeysCmd())
}
