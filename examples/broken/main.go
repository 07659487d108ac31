// Command broken prints a greeting. Its go.mod is what gobaseline's tests look at.
package main

import "fmt"

func main() {
	fmt.Println("hello from a deliberately broken module")
}
