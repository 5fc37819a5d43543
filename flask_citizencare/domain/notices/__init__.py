"""Service notices (reference 000): incidents and planned works, their steps and mail schedule."""
