# lienlogd read-API integration test (owned with api/ and tools/lienlogd.c;
# docs/api-log.md). Included from tests/integration/CMakeLists.txt.
# test_http_log.py starts the real `lienlogd --demo` on 127.0.0.1 with a
# free port and a temp dir, checks every route, error code and header-abuse
# case over real HTTP, and always stops the server.
if(TARGET lienlogd)
	add_test(NAME integration.http_log
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_http_log.py
			$<TARGET_FILE:lienlogd>)
	set_tests_properties(integration.http_log PROPERTIES LABELS integration
		TIMEOUT 600)
endif()
