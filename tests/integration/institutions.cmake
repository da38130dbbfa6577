# Filed institutions at the real scale (issue 17 part 5): `lienlogd --demo`,
# `lienlog file-institutions` over the demo's 400 synthetic institutions,
# GET /v1/institutions (public, paged, by status), bad rows and queries,
# then `lienlog audit`. Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.institutions
		COMMAND /usr/bin/python3
			${CMAKE_CURRENT_LIST_DIR}/test_institutions.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>)
	set_tests_properties(integration.institutions PROPERTIES
		LABELS integration TIMEOUT 900)
endif()
