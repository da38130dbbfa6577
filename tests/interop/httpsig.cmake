# RFC 9421 request signatures against independent implementations
# (Python cryptography; the openssl CLI for SM2): tests/vectors/gen_httpsig.py.
add_executable(httpsig_interop ${CMAKE_CURRENT_LIST_DIR}/httpsig_interop.c)
target_link_libraries(httpsig_interop PRIVATE lien_all)
add_test(NAME interop.httpsig_vectors
	COMMAND /usr/bin/python3 ${LIEN_VECTORS}/gen_httpsig.py check-vectors
		${LIEN_VECTORS})
add_test(NAME interop.httpsig
	COMMAND /usr/bin/python3 ${LIEN_VECTORS}/gen_httpsig.py interop
		--driver $<TARGET_FILE:httpsig_interop>
		--workdir ${CMAKE_CURRENT_BINARY_DIR}/httpsig)
set_tests_properties(interop.httpsig_vectors interop.httpsig PROPERTIES
	LABELS interop TIMEOUT 300)
