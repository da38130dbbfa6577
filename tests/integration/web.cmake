# The pages as lienlogd serves them: every web/src file under the build's
# version, content types, caching, CSP, refusals, GET /v1/keys
# (tests/integration/test_web.py, docs/web.md).
# Included from tests/integration/CMakeLists.txt.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.web
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_web.py
			--lienlogd $<TARGET_FILE:lienlogd>
			--lienlog $<TARGET_FILE:lienlog>
			--web ${PROJECT_SOURCE_DIR}/web)
	set_tests_properties(integration.web PROPERTIES
		LABELS integration TIMEOUT 300)
endif()
