// Package hostile builds small image files whose headers claim huge sizes, for tests of
// the decoders' pixel limit (issue 13): a decoder that trusts the header allocates
// gigabytes for a few hundred bytes.
//
// Test support only: no production package imports it.
package hostile
