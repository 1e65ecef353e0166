// Package testbackend gives every test of a test binary the same pure-Go backend: opening one
// per test would cost time, and a tensor cannot move between backend instances.
//
// Test support only: no production package imports it.
package testbackend
