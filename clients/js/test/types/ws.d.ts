// The ws package ships no types; the test only passes its constructor through.
declare module 'ws';
