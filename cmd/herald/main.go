// Command herald runs Herald: the schema registry, the built-in broker and the web
// catalog in one binary, plus the CLI around them.
package main

func main() {}
