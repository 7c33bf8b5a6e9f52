"""Test support: the one way tests start servers and talk raw RESP to them."""
