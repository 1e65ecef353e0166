// Package fakefused wraps a backend (the pure-Go one, in tests) so that it offers fused
// attention and its VJP, the ops XLA-CUDA lowers to cuDNN flash attention. They are written
// with the backend's primitive ops the way flash attention defines them (the forward keeps
// only the log-sum-exp; the backward uses D = rowsum(dO∘O)), independently of the model's
// decomposed attention. CPU tests use it to drive the model's fused path and the parity
// check, which otherwise only a GPU exercises.
//
// Test support only: no production package imports it.
package fakefused
