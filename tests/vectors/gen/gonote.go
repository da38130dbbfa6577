// Command gonote regenerates tests/vectors/go_sumdb_note.txt with the Go
// reference implementation of signed notes (golang.org/x/mod/sumdb/note,
// Debian package golang-golang-x-mod-dev). Run from this directory:
//
//	GO111MODULE=off GOPATH=$(mktemp -d):/usr/share/gocode go run gonote.go > ../go_sumdb_note.txt
//
// Keys come from fixed seeds so the output is reproducible byte for byte.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"log"

	"golang.org/x/mod/sumdb/note"
)

func record(label, name, text string, signers int) {
	var ss []note.Signer
	var skeys, vkeys []string
	for i := 0; i < signers; i++ {
		// Seed = SHA-256("lienlog go vector <label> <i>"): deterministic.
		seed := sha256.Sum256([]byte(fmt.Sprintf("lienlog go vector %s %d", label, i)))
		n := name
		if i > 0 {
			n = fmt.Sprintf("%s/cosigner%d", name, i)
		}
		skey, vkey, err := note.GenerateKey(bytes.NewReader(seed[:]), n)
		if err != nil {
			log.Fatal(err)
		}
		s, err := note.NewSigner(skey)
		if err != nil {
			log.Fatal(err)
		}
		ss = append(ss, s)
		skeys = append(skeys, skey)
		vkeys = append(vkeys, vkey)
	}
	msg, err := note.Sign(&note.Note{Text: text}, ss...)
	if err != nil {
		log.Fatal(err)
	}
	// Self-check with Go's own verifier before publishing the vector.
	var vs []note.Verifier
	for _, vk := range vkeys {
		v, err := note.NewVerifier(vk)
		if err != nil {
			log.Fatal(err)
		}
		vs = append(vs, v)
	}
	if _, err := note.Open(msg, note.VerifierList(vs...)); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("label %s\n", label)
	for i := range skeys {
		fmt.Printf("skey %s\nvkey %s\n", skeys[i], vkeys[i])
	}
	fmt.Printf("note %s\n\n", base64.StdEncoding.EncodeToString(msg))
}

func main() {
	fmt.Println("# Signed notes produced by Go's golang.org/x/mod/sumdb/note v0.7.0")
	fmt.Println("# (Debian golang-golang-x-mod-dev 0.7.0-1, go1.19.8) with")
	fmt.Println("# tests/vectors/gen/gonote.go; keys from fixed seeds, see there.")
	fmt.Println("# Records: 'label', one or more 'skey'/'vkey' pairs (same order as the")
	fmt.Println("# signature lines), 'note' = base64 of the whole note; blank line ends.")
	fmt.Println()
	record("checkpoint", "example.com/lienlog-go-vector",
		"example.com/lienlog-go-vector\n42\nqJxWhmjuvS8AqjRNs+wwYH0CWsaeD6kMHOiJ0mIpvN4=\n", 1)
	record("two-signers", "example.com/lienlog-go-vector",
		"Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n", 2)
	docExample()
}

// docExample re-emits the example from the package documentation of
// golang.org/x/mod/sumdb/note (note.go), after checking it with Open.
func docExample() {
	skey := "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
	vkey := "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
	msg := []byte("If you think cryptography is the answer to your problem,\n" +
		"then you don't know what your problem is.\n" +
		"\n" +
		"— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n")
	v, err := note.NewVerifier(vkey)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(v)); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("label go-doc-example\nskey %s\nvkey %s\nnote %s\n\n", skey, vkey,
		base64.StdEncoding.EncodeToString(msg))
}
