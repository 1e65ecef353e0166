package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/vision"
)

func newModelsCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "models",
		Short: "List the model presets with parameter counts and forward GFLOPs per image",
		Long: `List every preset. Parameter counts are read from the variables of the built model graph
(traced on the pure-Go backend, no weights allocated beyond shapes); GFLOPs count every matmul
of one 224-px forward pass (×2 multiply-adds), as timm/fvcore do. --format markdown prints the
README's table (a test keeps the README equal to it).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return writeModels(cmd.OutOrStdout(), format)
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "output format: text or markdown")
	return cmd
}

// writeModels prints the presets table as aligned text or as a markdown table.
func writeModels(w io.Writer, format string) error {
	var row func(cells ...string)
	flush := func() error { return nil }
	switch format {
	case "text":
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		flush = tw.Flush
		row = func(cells ...string) { fmt.Fprintf(tw, "%s\t\n", strings.Join(cells, "\t")) }
	case "markdown":
		row = func(cells ...string) { fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | ")) }
	default:
		return fmt.Errorf("unknown --format %q: choose text or markdown", format)
	}
	b, err := backend.Open("go", backend.Options{})
	if err != nil {
		return err
	}
	header := []string{"preset", "kind", "dim", "depth", "heads", "qkv/proj/ffn tokens", "params", "GFLOPs"}
	row(header...)
	if format == "markdown" {
		fmt.Fprintf(w, "|%s\n", strings.Repeat("---|", len(header)))
	}
	for _, name := range vision.PresetNames() {
		c, _ := vision.Preset(name)
		m, err := vision.New(c)
		if err != nil {
			return err
		}
		store := model.NewStore()
		if err := m.Trace(b, store); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		tokens := "-"
		if c.Kind == vision.KindTokenFormer {
			tokens = fmt.Sprintf("%d/%d/%d", c.QKVTokens, c.ProjTokens, c.FFNTokens)
		}
		row(name, string(c.Kind), fmt.Sprint(c.Dim), fmt.Sprint(c.Depth), fmt.Sprint(c.Heads), tokens,
			fmt.Sprintf("%.2fM", float64(vision.NumParams(store))/1e6), fmt.Sprintf("%.2f", c.FLOPs()/1e9))
	}
	return flush()
}
