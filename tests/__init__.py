"""replkv test suite: unit tests here, integration/ and interop/ with real processes."""
