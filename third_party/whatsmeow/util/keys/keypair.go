// Copyright (c) 2021 Tulir Asokan
//
// This Source Code Form is subject to the terms of the Mozilla Public
// License, v. 2.0. If a copy of the MPL was not distributed with this
// file, You can obtain one at http://mozilla.org/MPL/2.0/.

// Package keys contains a utility struct for elliptic curve keypairs.
package keys

import (
	"filippo.io/edwards25519"
	"go.mau.fi/libsignal/ecc"
	"go.mau.fi/util/random"
	"golang.org/x/crypto/curve25519"
)

type KeyPair struct {
	Pub  *[32]byte
	Priv *[32]byte
}

var _ ecc.ECPublicKeyable

func NewKeyPairFromPrivateKey(priv [32]byte) *KeyPair {
	var kp KeyPair
	kp.Priv = &priv
	kp.Pub = basePointMult(kp.Priv)
	return &kp
}

// basePointMult is X25519(priv, 9), the public key of priv, computed on the
// birationally equivalent Edwards curve with its fixed-base tables: about four
// times faster than the Montgomery ladder of curve25519.ScalarBaseMult, for the
// same result (both clamp the scalar; u = (1+y)/(1-y)). A new device makes 812
// one-time prekeys, and the ladder was three quarters of the CPU of a wave of
// pairings (wagate patch, fast-basepoint.patch).
func basePointMult(priv *[32]byte) *[32]byte {
	var pub [32]byte
	s, err := new(edwards25519.Scalar).SetBytesWithClamping(priv[:])
	if err != nil { // only for a length other than 32
		curve25519.ScalarBaseMult(&pub, priv)
		return &pub
	}
	copy(pub[:], new(edwards25519.Point).ScalarBaseMult(s).BytesMontgomery())
	return &pub
}

func NewKeyPair() *KeyPair {
	priv := *(*[32]byte)(random.Bytes(32))

	priv[0] &= 248
	priv[31] &= 127
	priv[31] |= 64

	return NewKeyPairFromPrivateKey(priv)
}

func (kp *KeyPair) CreateSignedPreKey(keyID uint32) *PreKey {
	newKey := NewPreKey(keyID)
	newKey.Signature = kp.Sign(&newKey.KeyPair)
	return newKey
}

func (kp *KeyPair) Sign(keyToSign *KeyPair) *[64]byte {
	pubKeyForSignature := make([]byte, 33)
	pubKeyForSignature[0] = ecc.DjbType
	copy(pubKeyForSignature[1:], keyToSign.Pub[:])

	signature := ecc.CalculateSignature(ecc.NewDjbECPrivateKey(*kp.Priv), pubKeyForSignature)
	return &signature
}

type PreKey struct {
	KeyPair
	KeyID     uint32
	Signature *[64]byte
}

func NewPreKey(keyID uint32) *PreKey {
	return &PreKey{
		KeyPair: *NewKeyPair(),
		KeyID:   keyID,
	}
}
