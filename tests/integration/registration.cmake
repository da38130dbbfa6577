# The registration API end to end (api/routes_reg.c, docs/api-registration.md).
# Included from tests/integration/CMakeLists.txt. test_registration.py
# generates a PKI with tests/vectors/trust/mktrust.sh, starts the real
# lienlogd on 127.0.0.1 over a temp LMDB store, signs every request with
# its own RFC 9421 signer (python3-cryptography), verifies a receipt with
# `lienlog verify inclusion`, checks every refusal leaves the log and the
# state unchanged, and ends with `lienlog audit`.
find_program(LIEN_OPENSSL_CLI openssl)
if(TARGET lienlogd AND TARGET lienlog AND LIEN_OPENSSL_CLI)
	add_test(NAME integration.registration
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_registration.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>
			--mktrust ${PROJECT_SOURCE_DIR}/tests/vectors/trust/mktrust.sh)
	set_tests_properties(integration.registration PROPERTIES
		LABELS integration TIMEOUT 600)
endif()
