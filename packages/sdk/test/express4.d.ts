// Express 4, installed under an alias beside Express 5: its API as the tests use it is the same.
declare module 'express4' {
  import express from 'express';
  export default express;
}
