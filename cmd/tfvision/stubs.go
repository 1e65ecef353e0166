package main

import "github.com/spf13/cobra"

func newGrowCmd() *cobra.Command  { return &cobra.Command{Use: "grow", Hidden: true} }
func newCheckCmd() *cobra.Command { return &cobra.Command{Use: "check", Hidden: true} }
func newDemoCmd() *cobra.Command  { return &cobra.Command{Use: "demo", Hidden: true} }
