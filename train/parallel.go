package train

import (
	"errors"
	"fmt"

	"github.com/gomlx/compute/shapes"

	"github.com/gomlx/compute/distributed"
	"github.com/gomlx/gomlx/core/tensors"
)

// Data parallelism over the local devices of a backend (GoMLX AutoSharding, i.e. XLA
// Shardy/GSPMD): the step graph is written for the global batch; inputs are sharded on
// the batch axis over a 1-D "data" mesh, variables are replicated, and XLA inserts the
// gradient all-reduce implied by the replicated update. Each device is fed its slice of
// the host batch.

// dataMeshAxis names the batch axis of the device mesh.
const dataMeshAxis = "data"

// distribute switches the step execs to data parallelism over n devices.
func (s *Stepper) distribute(n int) error {
	mesh, err := distributed.NewDeviceMesh([]int{n}, []string{dataMeshAxis})
	if err != nil {
		return fmt.Errorf("device mesh of %d devices: %w", n, err)
	}
	batch, err := distributed.BuildSpec(mesh).S(dataMeshAxis).Done()
	if err != nil {
		return err
	}
	s.devices = n
	if s.fused != nil {
		s.fused = s.fused.AutoSharding(mesh).WithInputShardingSpecs(batch, batch, batch, nil)
		// pixels, partner, mix (replicated), targets, weights, lr
		s.fusedMix = s.fusedMix.AutoSharding(mesh).WithInputShardingSpecs(batch, batch, nil, batch, batch, nil)
	}
	if s.micro != nil {
		s.micro = s.micro.AutoSharding(mesh).WithInputShardingSpecs(batch, batch, batch)
		s.microMix = s.microMix.AutoSharding(mesh).WithInputShardingSpecs(batch, batch, nil, batch, batch)
		s.apply = s.apply.AutoSharding(mesh).WithInputShardingSpecs(nil)
	}
	return nil
}

// shardArgs splits each batch-major tensor into s.devices equal parts and interleaves them
// per device (device 0's arguments first), as GoMLX's distributed Exec expects; scalars
// (the learning rate) are repeated, one copy per device: a tensor lives on one device, and
// the Exec refuses one already moved to device 0 as device 1's argument.
func (s *Stepper) shardArgs(args ...*tensors.Tensor) ([]any, error) {
	batchMajor := make([]bool, len(args))
	for i, a := range args {
		batchMajor[i] = a.Rank() > 0
	}
	return s.shardArgsSpec(args, batchMajor)
}

// shardArgsSpec is shardArgs where batchMajor says which arguments are split on their first
// axis; the others (scalars, a batch's mixing weights) are repeated, one copy per device.
func (s *Stepper) shardArgsSpec(args []*tensors.Tensor, batchMajor []bool) ([]any, error) {
	if s.devices <= 1 {
		out := make([]any, len(args))
		for i, a := range args {
			out[i] = a
		}
		return out, nil
	}
	perDevice := make([][]any, s.devices)
	for i, a := range args {
		if !batchMajor[i] {
			for d := range perDevice {
				c := a
				if d > 0 {
					var err error
					if c, err = a.LocalClone(); err != nil {
						return nil, fmt.Errorf("copy replicated argument for device %d: %w", d, err)
					}
				}
				perDevice[d] = append(perDevice[d], c)
			}
			continue
		}
		dims := a.Shape().Dimensions
		if dims[0]%s.devices != 0 {
			return nil, fmt.Errorf("batch %d is not divisible by the %d devices: choose optim.batch_size / accum_steps as a multiple of %d", dims[0], s.devices, s.devices)
		}
		rows := dims[0] / s.devices
		shardShape := shapes.Make(a.DType(), append([]int{rows}, dims[1:]...)...)
		partBytes := int(a.Shape().ByteSize()) / dims[0] * rows
		var err error
		cerr := a.ConstBytes(func(flat []byte) {
			for d := range perDevice {
				part := tensors.FromShape(shardShape)
				if e := part.MutableBytes(func(dst []byte) { copy(dst, flat[d*partBytes:(d+1)*partBytes]) }); e != nil && err == nil {
					err = e
				}
				perDevice[d] = append(perDevice[d], part)
			}
		})
		if err = errors.Join(cerr, err); err != nil {
			return nil, fmt.Errorf("split a %s argument over %d devices: %w", a.Shape(), s.devices, err)
		}
	}
	var out []any
	for _, p := range perDevice {
		out = append(out, p...)
	}
	return out, nil
}

// Devices is the number of devices a step runs on (1 unless data parallel).
func (s *Stepper) Devices() int { return max(s.devices, 1) }
