# lienlog integrator verbs (keygen --type, csr, cert-fingerprint,
# sign-request, submit: tools/cli_pki.c, tools/cli_request.c). Included
# from tests/integration/CMakeLists.txt. Everything the CLI makes is
# checked by independent code: the openssl CLI, python3-cryptography and
# tests/interop/verify_httpsig_server.py (an RFC 9421 verifier, also run as
# an HTTP server on 127.0.0.1 for `submit`).
find_program(LIEN_OPENSSL_CLI openssl)
if(TARGET lienlog AND LIEN_OPENSSL_CLI)
	add_test(NAME integration.cli_request
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_cli_request.py
			--lienlog $<TARGET_FILE:lienlog>
			--verifier ${PROJECT_SOURCE_DIR}/tests/interop/verify_httpsig_server.py)
	set_tests_properties(integration.cli_request PROPERTIES
		LABELS "integration;interop" TIMEOUT 600)
elseif(TARGET lienlog)
	message(STATUS "integration.cli_request: openssl CLI missing, test skipped")
endif()
