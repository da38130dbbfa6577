# nginx in front of lienlogd (deploy/nginx/lienlog.conf, docs/deployment.md).
# Included from tests/integration/CMakeLists.txt. test_nginx.py makes a test
# PKI with the openssl CLI, runs Debian's nginx (non-daemon, current user,
# temp prefix, 127.0.0.1 only) with the shipped configuration, first in
# front of an echo server (what lienlogd is given), then in front of a real
# `lienlogd --demo`; always stops both.
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME integration.nginx
		COMMAND /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/test_nginx.py
			$<TARGET_FILE:lienlogd> $<TARGET_FILE:lienlog>
			${PROJECT_SOURCE_DIR})
	set_tests_properties(integration.nginx PROPERTIES LABELS integration
		TIMEOUT 600)
endif()
