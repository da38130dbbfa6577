# A new bank from `lienlog keygen` to a registered mortgage (issue 3's
# "Done when"): keygen, csr, CA issuance (openssl CLI), filing by the
# administrator, requests signed by `lienlog submit` and by an independent
# RFC 9421 signer (Python cryptography), suspension. Ed25519 and SM2.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.bank_onboarding
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_bank_onboarding.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.bank_onboarding PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
