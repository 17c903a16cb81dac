// auth/password_hash.h: Argon2id password hashes in the PHC string format.
//
// A stored hash looks like "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>": the algorithm, its
// cost parameters, a random salt and the hash, so it can be verified without any other state
// and old hashes keep verifying if the parameters of new ones change.
#pragma once

#include <string>
#include <string_view>

#include "common/error.h"

namespace pier::auth {

// Argon2id with OWASP's minimum parameters: 19 MiB of memory, 2 passes, 1 lane; a 16-byte salt
// from RAND_bytes and a 32-byte hash. Takes tens of milliseconds of CPU and 19 MiB of memory:
// call it off the I/O threads. Any bytes are a password, including the empty string.
// kInternal if the salt cannot be drawn, memory cannot be allocated, or the password is over
// 4 GiB.
Result<std::string> hash_password(std::string_view password);

// Whether `encoded` is an Argon2id PHC string (as hash_password makes) of `password`. The cost
// parameters are read from `encoded`, so it must come from trusted storage, never from a
// client. False, never an error or exception, for anything else: a wrong password, an empty
// or malformed string, or another algorithm (argon2i, argon2d, bcrypt...). The hashes are
// compared in constant time. Costs as much as hash_password.
bool verify_password(std::string_view password, std::string_view encoded);

// A PHC string with hash_password's parameters but a random salt and a random digest, made
// without running Argon2: no password matches it (but by a 2^-256 chance), and verifying
// against it costs what verifying a real hash costs. For accounts that do not exist, so they
// take as long to refuse as those that do. kInternal only if the CSPRNG fails.
Result<std::string> unmatchable_password_hash();

}  // namespace pier::auth
