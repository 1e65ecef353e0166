package train

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"

	"github.com/tfvision/tfvision/checkpoint"
	"github.com/tfvision/tfvision/vision"
)

// Variables that fine-tuning adapts instead of refusing a shape change.
const (
	headWeights = "/head/weights"
	headBias    = "/head/bias"
	posEmbed    = "/pos_embed"
)

// InitWeights fills the model variables traced into store (a model of config cfg) with the
// weights of checkpoint ck, for fine-tuning: with another number of classes the head is left
// empty (Build initialises it fresh); with another image size or patch grid the position
// embedding is resampled bicubically, CLS position kept (timm's resample_abs_pos_embed).
// Any other difference (a missing, unknown or differently shaped variable) is an error. It
// returns what it adapted, one line each.
func InitWeights(ck string, store *model.Store, cfg vision.Config) ([]string, error) {
	src := model.NewStore()
	if _, err := checkpoint.Load(ck, src, checkpoint.IsModelWeight); err != nil {
		return nil, err
	}
	var notes, problems []string
	seen := map[string]bool{}
	for _, v := range ModelVars(store) {
		p := v.Path()
		seen[p] = true
		sv := src.GetVariable(p)
		if sv == nil {
			problems = append(problems, fmt.Sprintf("%s is missing from the checkpoint", p))
			continue
		}
		val, err := sv.Value()
		if err != nil {
			return nil, err
		}
		if val.Shape().Equal(v.Shape()) {
			if err := v.SetValue(val); err != nil {
				return nil, err
			}
			continue
		}
		switch p {
		case headWeights, headBias:
			if p == headWeights {
				notes = append(notes, fmt.Sprintf("new head: the checkpoint's head has %d classes, model.num_classes = %d: the head starts fresh (initialised as a new model's)",
					val.Shape().Dimensions[len(val.Shape().Dimensions)-1], cfg.NumClasses))
			}
		case posEmbed:
			note, err := resamplePos(v, val, cfg)
			if err != nil {
				problems = append(problems, err.Error())
				continue
			}
			notes = append(notes, note)
		default:
			problems = append(problems, fmt.Sprintf("%s is %v in the checkpoint, %v in this model", p, val.Shape().Dimensions, v.Shape().Dimensions))
		}
	}
	for v := range src.IterVariables() {
		if !seen[v.Path()] && checkpoint.IsModelWeight(v.Path()) {
			problems = append(problems, fmt.Sprintf("%s is not a variable of this model", v.Path()))
		}
	}
	if len(problems) > 0 {
		slices.Sort(problems)
		return nil, fmt.Errorf("checkpoint %s does not fit this model (only model.num_classes and model.image_size may change when fine-tuning):\n  %s",
			ck, strings.Join(problems, "\n  "))
	}
	return notes, nil
}

// resamplePos sets v (the model's [1 + new², d] position embedding) from val [1 + old², d].
func resamplePos(v *model.Variable, val *tensors.Tensor, cfg vision.Config) (string, error) {
	od, nd := val.Shape().Dimensions, v.Shape().Dimensions
	if len(od) != 2 || len(nd) != 2 || od[1] != nd[1] {
		return "", fmt.Errorf("%s is %v in the checkpoint, %v in this model: only the number of positions may differ", posEmbed, od, nd)
	}
	oldGrid := int(math.Round(math.Sqrt(float64(od[0] - 1))))
	if oldGrid*oldGrid != od[0]-1 {
		return "", fmt.Errorf("%s of the checkpoint has %d rows: not 1 + a square grid", posEmbed, od[0])
	}
	newGrid := cfg.ImageSize / cfg.Patch
	var out []float32
	var err error
	tensors.MustConstFlatData(val, func(flat []float32) {
		out, err = vision.ResamplePosEmbed(flat, 1, oldGrid, newGrid, od[1])
	})
	if err != nil {
		return "", err
	}
	if err := v.SetValue(tensors.FromFlatDataAndDimensions(out, nd...)); err != nil {
		return "", err
	}
	return fmt.Sprintf("position embedding resampled bicubically from a %d×%d to a %d×%d patch grid (CLS position kept)", oldGrid, oldGrid, newGrid, newGrid), nil
}
