// Package livevars makes compiled graphs read model variables as they are now.
//
// Since GoMLX v0.28.16, a backend that prefers constants (the pure-Go one does) embeds every
// variable that already holds a value as a constant in any graph not marked as training. A
// graph compiled that way keeps computing with the values it was built with: a train step
// kept reading the initial weights (the loss stayed at ln 10 on a 10-class run) and the
// in-training evaluator would score the first epoch's weights forever.
//
// Every graph of ours calls Live. Folding the weights in bought nothing where it is allowed
// to be safe (eval and predict on a loaded run): tokenformer-ti16 inference at 224 px,
// batch 32, 2 cores, ran at 18.3–20.4 img/s either way, interleaved. One rule for all
// graphs is simpler than two and cannot go stale.
//
// GoMLX's only per-graph switch for this is the store's "training" graph parameter. No code
// of ours (and none of the GoMLX packages we call: graph, nn, activation) reads it for
// anything else: dropout and drop path follow our own explicit training argument.
package livevars
