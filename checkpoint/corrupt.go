package checkpoint

import "errors"

// ErrCorrupt is matched (errors.Is) by every load error that means the file's bytes are
// damaged: a checksum mismatch, a truncation, an unreadable header. A checkpoint that is
// intact but does not fit the model (another config, an unknown tensor) is not corrupt.
var ErrCorrupt = errors.New("checkpoint file damaged")

type corruptError struct{ err error }

func (e corruptError) Error() string   { return e.err.Error() }
func (e corruptError) Unwrap() []error { return []error{ErrCorrupt, e.err} }

// corrupt marks err as a damaged-file error, its message unchanged.
func corrupt(err error) error { return corruptError{err} }
