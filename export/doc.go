// Package export writes a run's model weights (no optimizer state, no EMA unless asked
// for, float32) as a safetensors file under names other tools use: timm's VisionTransformer
// state-dict keys for ViT runs, and the names of scripts/tokenformer_torch.py for TokenFormer
// runs (the README lists them).
//
// Our layouts differ from torch's where torch stores a Linear as [out, in]: we compute x·W
// with W [in, out]. The mapping, per tensor:
//
//	/patch_embed/weights [p·p·C, D] → patch_embed.proj.weight [D, C, p, p] (conv kernel;
//	                                   our rows are patches flattened in (row, col, channel) order)
//	/patch_embed/bias                → patch_embed.proj.bias
//	/cls [D]                         → cls_token [1, 1, D]
//	/pos_embed [1+N, D]              → pos_embed [1, 1+N, D]
//	/block_NN/ln1/gamma, beta        → blocks.N.norm1.weight, bias         (ViT)
//	/block_NN/attn/{query,key,value}/weights, bias
//	                                 → blocks.N.attn.qkv.weight [3D, D] (rows q, k, v; each
//	                                   Wᵀ), blocks.N.attn.qkv.bias [3D]   (ViT)
//	/block_NN/attn/out/weights, bias → blocks.N.attn.proj.weight (Wᵀ), bias (ViT)
//	/block_NN/ln2/...                → blocks.N.norm2.weight, bias         (ViT)
//	/block_NN/mlp/fc1, fc2           → blocks.N.mlp.fc1/fc2.weight (Wᵀ), bias (ViT)
//	/block_NN/attn/{query,key,value,out}/{key,value}_tokens
//	                                 → blocks.N.attn.{query,key,value,out}.{key,value}_tokens
//	                                   (as they are: [n, d_in] and [n, d_out]) (TokenFormer)
//	/block_NN/ffn/{key,value}_tokens → blocks.N.ffn.{key,value}_tokens     (TokenFormer)
//	/norm/gamma, beta                → norm.weight, norm.bias
//	/head/weights [D, classes], bias → head.weight [classes, D] (Wᵀ), head.bias
//
// export reads a loaded store and a model config; it must not import train, eval, run,
// predict, imagenet, augment or cmd (the CLI loads the run and hands export its store).
package export
