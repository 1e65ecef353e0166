package train

import (
	"fmt"
	"testing"

	"github.com/gomlx/gomlx/core/tensors"
)

// The distributed path itself needs several devices (XLA); this checks the host side: each
// device gets its contiguous slice of the batch, arguments grouped per device, scalars repeated.
func TestShardArgsSplitsTheBatchPerDevice(t *testing.T) {
	s := &Stepper{devices: 2}
	images := tensors.FromFlatDataAndDimensions([]float32{0, 1, 2, 3, 4, 5, 6, 7}, 4, 2)
	weights := tensors.FromFlatDataAndDimensions([]float32{1, 1, 0, 1}, 4)
	lr := tensors.FromScalar(float32(0.5))
	args, err := s.shardArgs(images, weights, lr)
	if err != nil {
		t.Fatal(err)
	}
	if len(args) != 6 {
		t.Fatalf("%d args, want 3 per device × 2", len(args))
	}
	want := []any{[][]float32{{0, 1}, {2, 3}}, []float32{1, 1}, float32(0.5), [][]float32{{4, 5}, {6, 7}}, []float32{0, 1}, float32(0.5)}
	for i, a := range args {
		got := a.(*tensors.Tensor).Value()
		if fmtAny(got) != fmtAny(want[i]) {
			t.Errorf("arg %d = %v, want %v", i, got, want[i])
		}
	}
	if _, err := s.shardArgs(tensors.FromFlatDataAndDimensions([]float32{1, 2, 3}, 3)); err == nil {
		t.Errorf("a batch of 3 over 2 devices must be refused")
	}
}

// A tensor lives on one device, so the learning rate repeated per device must be one tensor
// per device: the Exec refuses a tensor already on device 0 as device 1's argument.
func TestShardArgsGivesEachDeviceItsOwnScalar(t *testing.T) {
	s := &Stepper{devices: 3}
	args, err := s.shardArgs(tensors.FromScalar(float32(0.5)))
	if err != nil {
		t.Fatal(err)
	}
	if args[0] == args[1] || args[1] == args[2] || args[0] == args[2] {
		t.Errorf("devices share a scalar tensor: %p %p %p", args[0], args[1], args[2])
	}
}

func fmtAny(v any) string { return fmt.Sprint(v) }
