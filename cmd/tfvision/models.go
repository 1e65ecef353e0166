package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/gomlx/gomlx/ml/model"
	"github.com/spf13/cobra"

	"github.com/tfvision/tfvision/backend"
	"github.com/tfvision/tfvision/vision"
)

func newModelsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "models",
		Short: "List the model presets with parameter counts and forward GFLOPs per image",
		Long: `List every preset. Parameter counts are read from the variables of the built model graph
(traced on the pure-Go backend, no weights allocated beyond shapes); GFLOPs count every matmul
of one 224-px forward pass (×2 multiply-adds), as timm/fvcore do.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := backend.Open("go", backend.Options{})
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(cmd.OutOrStdout(), 2, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "preset\tkind\tdim\tdepth\theads\tqkv/proj/ffn tokens\tparams\tGFLOPs\t\n")
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
				fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%.2fM\t%.2f\t\n", name, c.Kind, c.Dim, c.Depth, c.Heads, tokens,
					float64(vision.NumParams(store))/1e6, c.FLOPs()/1e9)
			}
			return tw.Flush()
		},
	}
}
