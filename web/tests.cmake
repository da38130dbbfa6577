# The pages' own tests (docs/web.md), included from tests/CMakeLists.txt:
#   web.unit       node's test runner: the in-browser verifier
#                  (web/src/js/verify.js) against tests/vectors/ (labels
#                  unit, web; no npm package needed)
#   browser.pages  web/browser/run.sh: `npm ci` from web/package-lock.json,
#                  then Debian's Chromium driven by playwright-core
#                  against a real `lienlogd --demo`, one test per user
#                  story, screenshots in <build>/web-artifacts/ (labels
#                  browser, web)
find_program(LIEN_NODE node REQUIRED)
add_test(NAME web.unit COMMAND ${LIEN_NODE} --test ${CMAKE_CURRENT_LIST_DIR}/test/)
set_tests_properties(web.unit PROPERTIES LABELS "unit;web" TIMEOUT 300
	ENVIRONMENT "LIEN_VECTORS=${PROJECT_SOURCE_DIR}/tests/vectors")
if(TARGET lienlogd AND TARGET lienlog)
	add_test(NAME browser.pages
		COMMAND /bin/bash ${CMAKE_CURRENT_LIST_DIR}/browser/run.sh
			${CMAKE_BINARY_DIR})
	set_tests_properties(browser.pages PROPERTIES LABELS "browser;web"
		TIMEOUT 900 ENVIRONMENT
		"LIENLOGD=$<TARGET_FILE:lienlogd>;LIENLOG=$<TARGET_FILE:lienlog>")
endif()
